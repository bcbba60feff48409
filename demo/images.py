"""The demo posts' pictures, drawn rather than shipped: a gradient card with the title."""

import io
import random
import zlib

from PIL import Image, ImageDraw, ImageFont

IMAGE_SIZE = (1200, 630)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the small bitmap font still works
        return ImageFont.load_default()


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate, font=font) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def post_image(
    *, title: str, campaign: str, company: str, palette: tuple[tuple[int, int, int], tuple[int, int, int]]
) -> bytes:
    """A 1200×630 JPEG card: a gradient, a few soft shapes, the title, the campaign and the company."""
    width, height = IMAGE_SIZE
    top, bottom = palette
    # Blend two flat colours through Pillow's built-in ramp: no per-pixel Python loop.
    ramp = Image.linear_gradient("L").resize((width, height))
    image = Image.composite(Image.new("RGB", IMAGE_SIZE, bottom), Image.new("RGB", IMAGE_SIZE, top), ramp)
    shapes = Image.new("RGBA", IMAGE_SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(shapes)
    rng = random.Random(zlib.crc32(title.encode()))  # the same title always draws the same picture
    for _ in range(6):
        x, y, r = rng.randint(0, width), rng.randint(0, height), rng.randint(60, 260)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255, rng.randint(14, 40)))
    image = Image.alpha_composite(image.convert("RGBA"), shapes).convert("RGB")
    draw = ImageDraw.Draw(image)
    title_font, small_font = _font(68), _font(30)
    lines = _wrap(draw, title, title_font, width - 160)[:3]
    y = height // 2 - (len(lines) * 82) // 2
    for line in lines:
        draw.text((80, y), line, font=title_font, fill=(255, 255, 255))
        y += 82
    draw.text((80, 70), campaign.upper(), font=small_font, fill=(255, 255, 255, 200))
    draw.text((80, height - 80), company, font=small_font, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()
