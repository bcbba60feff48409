import io

import pytest
from PIL import Image

from networks.providers import get_provider
from networks.services.sharing import share_image


@pytest.mark.parametrize("network", ["linkedin", "x", "mastodon", "bluesky"])
def test_image_is_sent_as_a_rendition_within_the_networks_limits_without_exif(post_with_image, network):
    image = share_image(post=post_with_image, network=network)
    limits = get_provider(network).limits
    assert image.mime_type in limits.image_types
    assert len(image.data) <= limits.image_max_bytes
    decoded = Image.open(io.BytesIO(image.data))
    assert decoded.format == "JPEG"
    assert decoded.width * decoded.height <= limits.image_max_pixels
    assert not decoded.getexif()
    assert b"SecretCamera" not in image.data


def test_post_without_image_sends_none(post):
    assert share_image(post=post, network="x") is None
