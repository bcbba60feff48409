"""Post image uploads: refused by size before the body is read, by pixels before decoding, and sized in a worker."""

import io
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler
from django.core.handlers.wsgi import WSGIHandler
from django.test.client import RequestFactory
from PIL import Image

from campaigns.models import PostImageRendition, PostStatus
from campaigns.services import post_image_set
from tests.campaigns.helpers import image_bytes, post_admin_data, upload
from tests.factories import SuggestedPostFactory


@pytest.fixture
def draft_post(db):
    return SuggestedPostFactory(status=PostStatus.DRAFT, title="Original title", variants={"x": "Original copy"})


@pytest.fixture
def post_with_image(draft_post, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_image_set(post=draft_post, upload=upload(image_bytes("JPEG", size=(800, 450)), name="first.jpg"))
    draft_post.refresh_from_db()
    return draft_post


@pytest.fixture(scope="module")
def pixel_bomb() -> bytes:
    """A 6400×6200 PNG (39.7 MP) of one colour: about 40 KB on disk, 160 MB once decoded as RGBA."""
    out = io.BytesIO()
    Image.new("1", (6400, 6200)).save(out, "PNG", optimize=True)
    return out.getvalue()


def _change(client, post, **kwargs):
    return client.post(f"/admin/campaigns/suggestedpost/{post.pk}/change/", post_admin_data(post, **kwargs))


def _image_errors(response) -> list[str]:
    return response.context["adminform"].form.errors.get("image", [])


def _state(post):
    post.refresh_from_db()
    return post.image.name, sorted(post.renditions.values_list("network", "image"))


class CountingStream:
    """wsgi.input that counts what the application reads from it."""

    def __init__(self, data: bytes):
        self._stream = io.BytesIO(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = self._stream.read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = self._stream.readline(size)
        self.bytes_read += len(line)
        return line


def test_a_body_declared_over_the_limit_is_refused_before_a_byte_is_read(db, settings):
    settings.POST_IMAGE_MAX_BYTES = 1_000_000
    body = b"x" * 3_000_000
    stream = CountingStream(body)
    environ = RequestFactory()._base_environ(
        PATH_INFO="/admin/campaigns/suggestedpost/1/change/",
        REQUEST_METHOD="POST",
        CONTENT_TYPE="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH=str(len(body)),
        **{"wsgi.input": stream},
    )
    answered = {}

    def start_response(status, headers, exc_info=None):
        answered["status"] = status

    page = b"".join(WSGIHandler()(environ, start_response)).decode()
    assert answered["status"].startswith("413")
    assert "That file is too large" in page and "at most 1 MB" in page
    assert stream.bytes_read == 0


class CountingHandler(FileUploadHandler):
    """Sits after the size guard and counts the bytes that reach the handlers that store files."""

    received = 0

    def receive_data_chunk(self, raw_data, start):
        CountingHandler.received += len(raw_data)
        return raw_data

    def file_complete(self, file_size):
        return None


def test_an_image_over_the_byte_limit_is_cut_off_while_streaming_with_a_form_error(
    client, content_manager, post_with_image, settings
):
    settings.POST_IMAGE_MAX_BYTES = 1_000_000
    settings.FILE_UPLOAD_HANDLERS = [
        "campaigns.uploads.PostImageUploadHandler",
        "tests.campaigns.test_uploads.CountingHandler",
        "django.core.files.uploadhandler.MemoryFileUploadHandler",
    ]
    CountingHandler.received = 0
    client.force_login(content_manager)
    before = _state(post_with_image)
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * 1_500_000  # under the body limit (2 MB), over the image limit
    response = _change(client, post_with_image, image=upload(big, name="huge.png"), title="Typed title")
    assert response.status_code == 200
    assert _image_errors(response) == ["The image is 1.5 MB; the limit is 1 MB."]
    assert response.context["adminform"].form["title"].value() == "Typed title"  # nothing the user typed is lost
    # Storage handlers saw at most the limit plus one chunk (64 KB), never the whole file.
    assert CountingHandler.received <= 1_000_000 + 64 * 1024
    assert _state(post_with_image) == before


def test_a_pixel_bomb_is_refused_from_its_header_fast(client, content_manager, post_with_image, pixel_bomb):
    assert len(pixel_bomb) < 200_000
    client.force_login(content_manager)
    before = _state(post_with_image)
    started = time.perf_counter()
    response = _change(client, post_with_image, image=upload(pixel_bomb, name="bomb.png"))
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    [message] = _image_errors(response)
    assert "6400×6200 pixels (39.7 megapixels); at most 16 megapixels are allowed" in message
    assert elapsed < 1.5  # was 7 s and +330 MB of memory: nothing is decoded now
    assert _state(post_with_image) == before


def test_the_service_refuses_a_pixel_bomb_and_keeps_the_old_image(post_with_image, pixel_bomb):
    before = _state(post_with_image)
    with pytest.raises(ValidationError) as exc:
        post_image_set(post=post_with_image, upload=upload(pixel_bomb, name="bomb.png"))
    assert exc.value.code == "too_many_pixels"
    assert _state(post_with_image) == before


def test_the_pixel_cap_fits_a_phone_photo_and_xs_largest_image(settings):
    from campaigns.images import check_image_header

    assert settings.POST_IMAGE_MAX_PIXELS == 16_000_000
    assert check_image_header(image_bytes("PNG", size=(4032, 3024)))[1:] == (4032, 3024)
    assert check_image_header(image_bytes("PNG", size=(4000, 4000)))[1:] == (4000, 4000)


def test_a_bad_image_keeps_the_existing_one_and_its_renditions(client, content_manager, post_with_image):
    client.force_login(content_manager)
    before = _state(post_with_image)
    assert len(before[1]) == 6
    response = _change(client, post_with_image, image=upload(b"%PDF-1.4 not an image", name="launch.png"))
    assert response.status_code == 200 and _image_errors(response)
    assert _state(post_with_image) == before


def test_renditions_are_built_by_the_task_after_commit_not_in_the_request(
    client, content_manager, draft_post, django_capture_on_commit_callbacks
):
    client.force_login(content_manager)
    data = image_bytes("JPEG", size=(1600, 900))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _change(client, draft_post, image=upload(data, name="team.jpg", content_type="image/jpeg"))
    assert response.status_code == 302
    assert not PostImageRendition.objects.filter(post=draft_post).exists()  # the request did not build them
    assert len(callbacks) == 1
    callbacks[0]()  # the worker runs the task (eagerly in tests)
    renditions = {r.network: (r.width, r.height) for r in draft_post.renditions.all()}
    assert renditions["linkedin"] == (1200, 627) and renditions["x"] == (1600, 900) and "generic" in renditions


def test_a_new_image_drops_the_old_renditions_at_once(client, content_manager, post_with_image):
    """Until the worker has sized the new image, no share may go out with the old one."""
    client.force_login(content_manager)
    response = _change(client, post_with_image, image=upload(image_bytes("PNG", size=(900, 900)), name="new.png"))
    assert response.status_code == 302
    assert not post_with_image.renditions.exists()


def test_a_slow_build_of_an_old_image_does_not_overwrite_a_newer_one(post_with_image):
    from campaigns.services import Rendition, post_renditions_replace

    stale = post_renditions_replace(
        post=post_with_image, renditions=[Rendition("generic", b"old", 1, 1)], source="posts/old.jpg"
    )
    assert stale == []
    assert post_with_image.renditions.count() == 6


def test_a_share_without_a_rendition_builds_one_on_the_fly(post_with_image):
    from networks.services.sharing import share_image

    post_with_image.renditions.all().delete()
    image = share_image(post=post_with_image, network="linkedin")
    assert (image.width, image.height) == (1200, 627)
