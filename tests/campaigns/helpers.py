import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(fmt: str = "PNG", size=(64, 48), exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif else {}
    Image.new("RGB", size, (30, 90, 200)).save(out, fmt, **kwargs)
    return out.getvalue()


def upload(data: bytes, name: str = "picture.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def post_admin_data(post=None, *, campaign=None, variants=None, **overrides) -> dict:
    """The POST body Django admin's suggested-post form sends, for `post` (or a new one)."""
    data = {
        "campaign": (campaign or post.campaign).pk,
        "title": post.title if post else "A new post",
        "target_url": post.target_url if post else "https://example.com/news",
        "image_alt": "",
        "publish_at_0": "2026-11-20",
        "publish_at_1": "09:00:00",
        "expires_at_0": "2026-12-20",
        "expires_at_1": "09:00:00",
        "disclaimer": post.disclaimer if post else "",
        "transitions-TOTAL_FORMS": "0",
        "transitions-INITIAL_FORMS": "0",
        "transitions-MIN_NUM_FORMS": "0",
        "transitions-MAX_NUM_FORMS": "1000",
    }
    existing = list(post.variants.all()) if post else []
    rows = variants if variants is not None else [(v.network, v.text) for v in existing]
    data.update(
        {
            "variants-TOTAL_FORMS": str(len(rows)),
            "variants-INITIAL_FORMS": str(len(existing)),
            "variants-MIN_NUM_FORMS": "1",
            "variants-MAX_NUM_FORMS": "6",
        }
    )
    for i, (network, text) in enumerate(rows):
        data[f"variants-{i}-network"] = network
        data[f"variants-{i}-text"] = text
        if i < len(existing):
            data[f"variants-{i}-id"] = existing[i].pk
            data[f"variants-{i}-post"] = post.pk
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
