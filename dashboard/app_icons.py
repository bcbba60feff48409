"""The installable app's icons, drawn with Pillow (no binary from elsewhere): the share glyph in white on
the brand blue. `python -m dashboard.app_icons` writes them to static/img/icons/; they are committed.

"any" icons are a rounded square on transparency; the maskable one fills the whole square and keeps the
glyph inside the central 80 % circle that every launcher mask leaves visible.
"""

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = (31, 94, 255, 255)
WHITE = (255, 255, 255, 255)
ICONS = {"icon-192.png": (192, False), "icon-512.png": (512, False), "icon-maskable-512.png": (512, True)}
FOLDER = Path(__file__).resolve().parent.parent / "static" / "img" / "icons"


def draw_icon(size: int, *, maskable: bool) -> Image.Image:
    scale = 4  # drawn large, then reduced: smooth edges without an antialiasing drawer
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=BRAND)
        glyph = big * 0.5  # well inside the safe zone (a circle of 80 % of the width)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.22, fill=BRAND)
        glyph = big * 0.62
    left = (big - glyph) / 2
    radius = glyph * 0.15
    nodes = [
        (left + glyph * 0.78, left + glyph * 0.2),
        (left + glyph * 0.22, left + glyph * 0.5),
        (left + glyph * 0.78, left + glyph * 0.8),
    ]
    width = max(1, round(glyph * 0.08))
    draw.line([nodes[0], nodes[1]], fill=WHITE, width=width)
    draw.line([nodes[1], nodes[2]], fill=WHITE, width=width)
    for x, y in nodes:
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name, (size, maskable) in ICONS.items():
        draw_icon(size, maskable=maskable).save(FOLDER / name, optimize=True)


if __name__ == "__main__":
    main()
