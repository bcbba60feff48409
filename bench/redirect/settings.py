"""Settings for the redirect benchmark: production settings plus two comparison views.

Reads the same environment as production (DEBUG off, PostgreSQL, Redis); only the URL
conf and one floor-measuring middleware are added.
"""

from advocacy.settings import *  # noqa: F403
from advocacy.settings import LOGGING, MIDDLEWARE

ROOT_URLCONF = "bench.redirect.urls"
# The floor: a constant 302 answered at the same spot in the stack as the short-link fast path.
MIDDLEWARE = [
    *MIDDLEWARE[:2],
    "bench.redirect.views.BareFloorMiddleware",
    *MIDDLEWARE[2:],
]

# Unknown codes are part of the mix: one "Not Found" log line per request would measure the terminal.
LOGGING = {**LOGGING, "loggers": {**LOGGING["loggers"], "django.request": {"level": "ERROR"}}}
