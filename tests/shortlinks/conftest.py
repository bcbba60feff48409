from tests.shortlinks.helpers import capture_mode, fresh_link_caches, private_redis  # noqa: F401 (fixtures)
