"""Upload size limits enforced before the body is read.

Two guards, because each alone leaves a gap:

- `RequestSizeLimitMiddleware` answers 413 from the declared `Content-Length` alone when a body is larger
  than any form of ours can be (the image limit plus room for the other fields). It reads no byte of the
  body: the CSRF token and every other field are in there too, so no form can be shown with an error;
  the answer is a friendly page saying what the limit is. (A reverse proxy's `client_max_body_size`
  should say the same, so that the upload is cut even before it reaches the app.)
- `PostImageUploadHandler` (first in FILE_UPLOAD_HANDLERS) counts each file's bytes as they stream in. Once a
  file passes POST_IMAGE_MAX_BYTES it passes nothing more to the handlers that store data, and the form
  receives a `TooLargeUpload` placeholder instead of the file, so the form says "The image is 10.4 MB;
  the limit is 10 MB." under the field and keeps every other value the user typed.
"""

import io

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

# An image chosen on a post form that failed to save is kept here for the next try (services.post_image_keep).
KEPT_UPLOADS_DIR = "kept-uploads"
KEPT_UPLOAD_MAX_AGE = 24 * 3600  # seconds a kept image can still be saved with its post
KEPT_UPLOAD_SALT = "campaigns.kept-image"

# Room for the fields that travel with an image: title, URL, six variants of copy, formset counters, ids.
FORM_FIELDS_ALLOWANCE = 1024 * 1024


def request_max_bytes() -> int:
    """The largest body any form here may send: one image at its limit and the fields around it."""
    return settings.POST_IMAGE_MAX_BYTES + FORM_FIELDS_ALLOWANCE


class TooLargeUpload(UploadedFile):
    """What the form receives instead of a file that passed the limit: its name and the bytes seen, no data."""

    too_large = True

    def __init__(self, name: str, content_type: str, seen: int):
        super().__init__(io.BytesIO(b""), name=name, content_type=content_type, size=seen)


class PostImageUploadHandler(FileUploadHandler):
    """Stops passing a file on once it exceeds POST_IMAGE_MAX_BYTES; see the module docstring."""

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        self.limit = settings.POST_IMAGE_MAX_BYTES
        self.seen = 0
        # A part that declares its own length over the limit is refused before its first byte is kept.
        self.too_large = content_length is not None and content_length > self.limit

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.seen += len(raw_data)
        if self.too_large or self.seen > self.limit:
            self.too_large = True
            return None  # later handlers (memory, temporary file) keep nothing more
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.too_large:
            seen = max(self.seen, self.content_length or 0)
            return TooLargeUpload(self.file_name or "image", self.content_type or "", seen)
        return None  # the storing handlers after this one return the file


class RequestSizeLimitMiddleware:
    """413 with a friendly page for a body declared larger than `request_max_bytes()`, without reading it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        limit = request_max_bytes()
        if declared > limit:
            body = render_to_string(
                "campaigns/upload_too_large.html",
                {"size_mb": declared / 1e6, "limit_mb": settings.POST_IMAGE_MAX_BYTES / 1e6},
            )
            # The unread body makes the connection unusable for a next request: close it.
            return HttpResponse(body, status=413, headers={"Connection": "close"})
        return self.get_response(request)
