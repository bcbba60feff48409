"""Post images: checked with Pillow, stripped of metadata, resized to a given spec.

Which size each network wants is its provider's business (networks.providers); here only the
generic operations live.
"""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


@dataclass(frozen=True)
class RenditionSpec:
    """A target size: cropped to width×height, JPEG-encoded under max_bytes."""

    width: int
    height: int
    max_bytes: int


def _read_all(file) -> bytes:
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read()
    if hasattr(file, "seek"):
        file.seek(0)
    return data


def check_image_size(size: int) -> None:
    """Refuse a file over POST_IMAGE_MAX_BYTES, from its size alone (nothing is read)."""
    if size > settings.POST_IMAGE_MAX_BYTES:
        raise ValidationError(
            "The image is %(size).1f MB; the limit is %(limit).0f MB.",
            params={"size": size / 1e6, "limit": settings.POST_IMAGE_MAX_BYTES / 1e6},
            code="image_too_large",
        )


def check_image_header(data: bytes) -> tuple[str, int, int]:
    """Format and size from the header only (no pixel is decoded): a decompression bomb stops here.

    Returns (format, width, height) or raises ValidationError.
    """
    check_image_size(len(data))
    max_pixels = settings.POST_IMAGE_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt, (width, height) = probe.format, probe.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "The image has too many pixels (possible decompression bomb).", code="too_many_pixels"
        ) from None
    except UnidentifiedImageError:
        raise ValidationError("The file is not an image Pillow can read.", code="not_image") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            "The image is damaged or truncated (%(error)s).", params={"error": exc}, code="broken"
        ) from None
    if fmt not in ALLOWED_FORMATS:
        raise ValidationError(
            "Images must be JPEG, PNG, WebP or GIF (this one is %(fmt)s).", params={"fmt": fmt}, code="format"
        )
    if width * height > max_pixels:
        raise ValidationError(
            "The image is %(w)s×%(h)s pixels (%(have).1f megapixels); at most %(mp)s megapixels are allowed. "
            "Export it smaller: about 2000 pixels wide is plenty for every network.",
            params={"w": width, "h": height, "have": width * height / 1e6, "mp": max_pixels // 1_000_000},
            code="too_many_pixels",
        )
    return fmt, width, height


def inspect_image(data: bytes) -> Image.Image:
    """Check the header (bytes, format, pixels), then fully decode `data`; or raise ValidationError saying why."""
    fmt, _, _ = check_image_header(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "The image has too many pixels (possible decompression bomb).", code="too_many_pixels"
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            "The image is damaged or truncated (%(error)s).", params={"error": exc}, code="broken"
        ) from None
    image.format = fmt
    return image


def validate_post_image(file) -> None:
    """Field validator: a real, complete image within the byte and pixel limits.

    The size is checked before a byte is read (an upload cut off by campaigns.uploads has no data at all).
    """
    size = getattr(file, "size", None)
    if size is not None:
        check_image_size(size)
    inspect_image(_read_all(file))


def sanitised_image(file, name: str = "image") -> ContentFile:
    """Re-encode the image without EXIF or other metadata, rotated as the camera meant."""
    check_image_size(getattr(file, "size", None) or 0)
    image = inspect_image(_read_all(file))
    fmt = str(image.format)  # set by inspect_image, always one of ALLOWED_FORMATS
    image = ImageOps.exif_transpose(image)
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "GIF":
        image.save(out, "GIF")
    else:
        image.save(out, fmt)
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "image"
    return ContentFile(out.getvalue(), name=f"{stem}.{ALLOWED_FORMATS[fmt]}")


def rendition_bytes(image: Image.Image, spec: RenditionSpec) -> tuple[bytes, int, int]:
    """The image cropped to the spec's aspect and encoded as JPEG under its byte limit."""
    fitted = ImageOps.fit(image.convert("RGB"), (spec.width, spec.height), Image.Resampling.BICUBIC)
    # Quality steps down only when a network's byte limit demands it (Bluesky: 1,000,000 bytes).
    for quality in (85, 70, 55, 40):
        out = io.BytesIO()
        fitted.save(out, "JPEG", quality=quality)
        if out.tell() <= spec.max_bytes:
            break
    return out.getvalue(), spec.width, spec.height
