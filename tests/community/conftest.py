import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.networks.conftest import _servers, bluesky, mastodon, network_settings  # noqa: F401


def png_upload(name="team.png", size=(800, 420)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def png():
    return png_upload
