from tests.shortlinks.helpers import capture_mode, fresh_link_caches  # noqa: F401 (fixtures)
