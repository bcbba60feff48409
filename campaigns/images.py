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


def inspect_image(data: bytes) -> Image.Image:
    """Open and fully decode `data`, or raise ValidationError saying what is wrong with it."""
    max_pixels = settings.POST_IMAGE_MAX_PIXELS
    if len(data) > settings.POST_IMAGE_MAX_BYTES:
        raise ValidationError(
            "The image is %(size).1f MB; the limit is %(limit).0f MB.",
            params={"size": len(data) / 1e6, "limit": settings.POST_IMAGE_MAX_BYTES / 1e6},
            code="image_too_large",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            fmt = probe.format
            width, height = probe.size
            if fmt not in ALLOWED_FORMATS:
                raise ValidationError(
                    "Images must be JPEG, PNG, WebP or GIF (this one is %(fmt)s).", params={"fmt": fmt}, code="format"
                )
            # Check the header's size before decoding a single pixel: a decompression bomb stops here.
            if width * height > max_pixels:
                raise ValidationError(
                    "The image is %(w)s×%(h)s pixels; at most %(mp)s megapixels are allowed.",
                    params={"w": width, "h": height, "mp": max_pixels // 1_000_000},
                    code="too_many_pixels",
                )
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except ValidationError:
        raise
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
    image.format = fmt
    return image


def validate_post_image(file) -> None:
    """Field validator: a real, complete image within the byte and pixel limits."""
    inspect_image(_read_all(file))


def sanitised_image(file, name: str = "image") -> ContentFile:
    """Re-encode the image without EXIF or other metadata, rotated as the camera meant."""
    image = inspect_image(_read_all(file))
    fmt = image.format
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
