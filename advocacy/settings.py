"""Advocacy settings: one module, configured from the environment.

With no environment at all it runs on SQLite, a local-memory cache and a
filesystem Celery broker (no Redis). Production sets DATABASE_URL, REDIS_URL,
SECRET_KEY, ALLOWED_HOSTS and friends; see README.md.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-never-use-in-production"
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see README.md).")
elif not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-")):
    # Django's check --deploy only warns (security.W009); a guessable key signs sessions and
    # password-reset links, so production refuses to start with one.
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak: use at least 50 random characters, not Django's 'django-insecure-' key "
        "(see README.md)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Public base URL used in short links, emails and OAuth callbacks.
SITE_URL = env("SITE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "advocacy.admin_site.AdvocacyAdminConfig",  # django.contrib.admin with the approval inbox
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.twitter_oauth2",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "import_export",  # the posts' CSV import (dry run first) and export in the admin
    # Advocacy's own apps
    "accounts",
    "campaigns",
    "shortlinks",
    "networks",
    "analytics",
    "leaderboard",
    "community",
    "programme",
    # Composition apps: pages and jobs that gather from the domain apps above
    "dashboard",
    "demo",
    "digest",
    "chat",
    "webhooks",
    # The API: the top layer, over every app
    "api",
]

MIDDLEWARE = [
    # First, so every answer carries X-Frame-Options: DENY, also those the short-link fast path
    # and whitenoise (/static/) give without running the rest of the stack. A constant header.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After the fast path and whitenoise: every page Django renders gets the policy.
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "advocacy.urls"
WSGI_APPLICATION = "advocacy.wsgi.application"
ASGI_APPLICATION = "advocacy.asgi.application"
SITE_ID = 1
FORMS_URLFIELD_ASSUME_HTTPS = True

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.signup",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the worker and beat share the file without locking each other out.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery -----------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "adv",
            "TIMEOUT": 300,
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600}
else:
    # Shared by every web process (login rate limits must count across gunicorn workers), unlike
    # LocMemCache. The table is made after every migrate (accounts' post_migrate receiver).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "advocacy_cache",
            "TIMEOUT": 300,
        }
    }
    # Embedded default: a filesystem broker that web, worker and beat processes share.
    CELERY_BROKER_DIR = Path(env("CELERY_BROKER_DIR", str(BASE_DIR / "var" / "celery-broker")))
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True

# --- Auth, allauth --------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "today"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
# Counted in the shared cache above. Failed logins count per address and per address + account
# (AccountAdapter keys "login_failed" on both), so a stranger elsewhere cannot lock an employee out;
# a password reset (which also clears that count) always stays available. See README "Security".
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
# The client address for those limits: the same proxy count as the short-link visitor hash.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("SHORTLINK_TRUSTED_PROXIES", 0)
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
# Employees are invited by admins; open sign-up is off unless the organisation wants it.
ACCOUNT_ALLOW_SIGNUP = env_bool("ACCOUNT_ALLOW_SIGNUP", False)
# allauth never writes LinkedIn/X tokens in plain text: the networks app moves them from the
# callback straight into the encrypted ConnectedAccount (networks/receivers.py).
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS: dict = {}

# --- i18n -------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("de", "German"),
    ("fr", "French"),
    ("es", "Spanish"),
    ("nl", "Dutch"),
    ("it", "Italian"),
    ("pt", "Portuguese"),
]
TIME_ZONE = env("TIME_ZONE", "UTC")
# The organisation's own time zone: weeks for leaderboards, default for new employees.
ORGANISATION_TIME_ZONE = env("ORGANISATION_TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "var" / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 15 * 1024 * 1024

# --- Email ----------------------------------------------------------------------------
EMAIL_HOST = env("EMAIL_HOST", "localhost")
# Embedded default (`make run`): with DEBUG and no EMAIL_HOST, every message is a file under var/mail/.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG and not env("EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Advocacy <advocacy@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", True) else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Content Security Policy (django-csp): everything is self-hosted, no inline script or style.
# No form-action: the share dialogs and the LinkedIn/X sign-in are forms that leave the site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    # A personal token (Authorization: Bearer adv_…) or the pages' own session (CSRF-checked on writes).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.SignedIn", "api.permissions.TokenScope"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenThrottle", "api.throttling.PerUserThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_token": "300/min", "api_user": "600/min"},
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Advocacy API",
    "DESCRIPTION": "Employees' posts, shares, links, points and suggestions; campaigns, posts, analytics and the "
    "suggestions' queue for content managers; people and point rules for admins. Every error has the body "
    "{code, message, fields?}.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",  # served from our static files: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},  # no badge fetched from elsewhere
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ShareStatusEnum": "networks.models.Share.Status",
        "ShareRouteEnum": "networks.models.Share.Route",
        "PostStatusEnum": "campaigns.models.PostStatus",
        "CampaignStatusEnum": "campaigns.models.CampaignStatus",
        "NetworkEnum": "campaigns.networks.Network",
        "SuggestionStatusEnum": "community.models.Review",
    },
}

# --- Campaigns ------------------------------------------------------------------------
POST_IMAGE_MAX_BYTES = env_int("POST_IMAGE_MAX_BYTES", 10 * 1024 * 1024)
# 16 MP: a 12 MP phone photo (4032×3024) and X's largest upload (4096×4096) fit; the biggest rendition
# is 1600×900 (1.4 MP), and a decoded 16 MP image stays under 70 MB of memory.
POST_IMAGE_MAX_PIXELS = env_int("POST_IMAGE_MAX_PIXELS", 16_000_000)
# Uploads are refused before their body is read: by declared size (a 413 page), then per file as it streams.
FILE_UPLOAD_HANDLERS = [
    "campaigns.uploads.PostImageUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "campaigns.uploads.RequestSizeLimitMiddleware",
)
# Four-eyes approval: the author of a post (who created or submitted it) cannot approve it.
FOUR_EYES_APPROVAL = env_bool("FOUR_EYES_APPROVAL", False)
# Copy-paste warning: more than this many colleagues posting near-identical text (similarity at least
# NEAR_DUPLICATE_SIMILARITY of 100) for one post on one network within 24 hours.
NEAR_DUPLICATE_MAX_SHARES = env_int("NEAR_DUPLICATE_MAX_SHARES", 3)
NEAR_DUPLICATE_SIMILARITY = env_int("NEAR_DUPLICATE_SIMILARITY", 90)

# --- Short links (issue: short links and click capture) ---------------------------------
SHORTLINK_BASE_URL = env("SHORTLINK_BASE_URL", SITE_URL).rstrip("/")
# Redis holding the click buffer (a stream) and the code cache. Empty: no buffer, the redirect
# writes each click to the database itself (the embedded default; also the fallback when Redis fails).
SHORTLINK_REDIS_URL = env("SHORTLINK_REDIS_URL", REDIS_URL)
# Behind N reverse proxies that append to X-Forwarded-For, the visitor is the N-th address from the
# right. 0: REMOTE_ADDR. (Only used for the salted daily visitor hash; no IP is ever stored.)
SHORTLINK_TRUSTED_PROXIES = env_int("SHORTLINK_TRUSTED_PROXIES", 0)
# Each web process loads this many of the newest links into memory at start (and every 5 minutes),
# so the redirect needs no lookup for them. 0: fill the cache one code at a time.
SHORTLINK_PRELOAD = env_int("SHORTLINK_PRELOAD", 50_000)
# With a click buffer, each web process sends its clicks to Redis in one write every this many milliseconds
# (a thread of its own; the redirect does not wait for Redis). A process killed outright loses at most
# this window's clicks. 0: one XADD inside each redirect.
SHORTLINK_CLICK_BATCH_MS = env_int("SHORTLINK_CLICK_BATCH_MS", 5)
# /s/<code> is answered right after SecurityMiddleware: no session, CSRF, auth, locale or messages work.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "shortlinks.middleware.ShortLinkFastPathMiddleware",
)

# --- Networks (issue: sharing through connected accounts) --------------------------------
# Fernet keys, comma separated, newest first. Tokens are encrypted at rest with the first.
TOKEN_ENCRYPTION_KEYS = env_list("TOKEN_ENCRYPTION_KEYS")
# Every provider reads its base URLs here, so tests point them at local fake servers.
NETWORK_HTTP_TIMEOUT = float(env("NETWORK_HTTP_TIMEOUT", "20"))
LINKEDIN_CLIENT_ID = env("LINKEDIN_CLIENT_ID")
LINKEDIN_CLIENT_SECRET = env("LINKEDIN_CLIENT_SECRET")
LINKEDIN_API_BASE = env("LINKEDIN_API_BASE", "https://api.linkedin.com").rstrip("/")
LINKEDIN_OAUTH_SERVER = env("LINKEDIN_OAUTH_SERVER", "https://www.linkedin.com/oauth").rstrip("/")
LINKEDIN_VERSION = env("LINKEDIN_VERSION", "202511")  # LinkedIn-Version header, YYYYMM
# Only with the approved r_member_postAnalytics scope; otherwise LinkedIn engagement shows as unavailable.
LINKEDIN_POST_ANALYTICS = env_bool("LINKEDIN_POST_ANALYTICS", False)
X_CLIENT_ID = env("X_CLIENT_ID")
X_CLIENT_SECRET = env("X_CLIENT_SECRET")
X_API_BASE = env("X_API_BASE", "https://api.x.com").rstrip("/")
# X bills every call (a post with a URL costs about $0.20): direct posting is off unless an admin turns it on.
X_DIRECT_POSTING = env_bool("X_DIRECT_POSTING", False)
# Mastodon instances are typed by employees; tests use http against a loopback fake.
MASTODON_SCHEME = env("MASTODON_SCHEME", "https")
MASTODON_APP_NAME = env("MASTODON_APP_NAME", "Advocacy")
BLUESKY_RESOLVER_URL = env("BLUESKY_RESOLVER_URL", "https://bsky.social").rstrip("/")
BLUESKY_PLC_URL = env("BLUESKY_PLC_URL", "https://plc.directory").rstrip("/")
BLUESKY_APPVIEW_URL = env("BLUESKY_APPVIEW_URL", "https://public.api.bsky.app").rstrip("/")
# Refresh tokens this many days before they expire; warn employees from this many days before.
TOKEN_REFRESH_AHEAD_DAYS = env_int("TOKEN_REFRESH_AHEAD_DAYS", 1)
TOKEN_EXPIRY_WARNING_DAYS = env_int("TOKEN_EXPIRY_WARNING_DAYS", 7)
# The one outbound client for user-chosen URLs (infra.outbound_http): https to public addresses only.
# Operators may trust internal ranges explicitly (a self-hosted Mastodon on 10.20.0.0/16), comma separated.
OUTBOUND_HTTP_ALLOW_HTTP = env_bool("OUTBOUND_HTTP_ALLOW_HTTP", False)
OUTBOUND_HTTP_ALLOW_LOOPBACK = env_bool("OUTBOUND_HTTP_ALLOW_LOOPBACK", False)
OUTBOUND_HTTP_ALLOWED_NETWORKS = env_list("OUTBOUND_HTTP_ALLOWED_NETWORKS")
# Bluesky cards and LinkedIn articles take title and description from the target page's Open Graph tags.
SHARE_FETCH_OPEN_GRAPH = env_bool("SHARE_FETCH_OPEN_GRAPH", True)
if LINKEDIN_CLIENT_ID:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": "linkedin",
                "name": "LinkedIn",
                "client_id": LINKEDIN_CLIENT_ID,
                "secret": LINKEDIN_CLIENT_SECRET,
                "settings": {
                    "server_url": LINKEDIN_OAUTH_SERVER,
                    "token_auth_method": "client_secret_post",
                    "scope": ["openid", "profile", "email", "w_member_social"]
                    + (["r_member_postAnalytics"] if LINKEDIN_POST_ANALYTICS else []),
                },
            }
        ],
    }
SOCIALACCOUNT_PROVIDERS["twitter_oauth2"] = {
    "SCOPE": ["tweet.read", "tweet.write", "users.read", "media.write", "offline.access"],
    "OAUTH_PKCE_ENABLED": True,
}
if X_CLIENT_ID:
    SOCIALACCOUNT_PROVIDERS["twitter_oauth2"]["APPS"] = [
        {"client_id": X_CLIENT_ID, "secret": X_CLIENT_SECRET, "key": ""}
    ]

# --- Leaderboard (issue: metrics, points and leaderboards) --------------------------------
# Leaderboards live in Redis sorted sets when Redis is there, else they come from SQL.
LEADERBOARD_REDIS_URL = env("LEADERBOARD_REDIS_URL", REDIS_URL)
LEADERBOARD_BACKEND = env("LEADERBOARD_BACKEND", "redis" if LEADERBOARD_REDIS_URL else "sql")
if LEADERBOARD_BACKEND not in ("redis", "sql"):
    raise ImproperlyConfigured("LEADERBOARD_BACKEND must be 'redis' or 'sql'.")
# Metrics pull budgets, shared by all workers: each provider knows its network's window and a safe default;
# an operator may change the number of requests per window here.
METRICS_BUDGET_OVERRIDES: dict[str, int] = {
    network: int(value)
    for network, value in (
        ("x", env("METRICS_X_PER_15MIN")),
        ("bluesky", env("METRICS_BLUESKY_PER_5MIN")),
        ("mastodon", env("METRICS_MASTODON_PER_5MIN")),
        ("linkedin", env("METRICS_LINKEDIN_PER_HOUR")),
    )
    if value
}
# X tweet lookup with the app's bearer token (batches across employees); else each employee's token.
X_BEARER_TOKEN = env("X_BEARER_TOKEN")

# --- Daily digest (issue 11) ---------------------------------------------------------------
# Digests rendered and sent over one SMTP connection per batch.
DIGEST_BATCH_SIZE = 100
# A digest still goes out this long after its time (beat down, server busy); later the day is skipped.
DIGEST_SEND_WINDOW_MINUTES = 180
# Within one run, transient SMTP errors (4xx, connection reset) are retried after these pauses (seconds);
# what is still failing is left "retry" for the next run, 15 minutes later.
DIGEST_SMTP_RETRY_DELAYS = (1.0, 5.0, 15.0)
# One-click share links work this long, once.
DIGEST_SHARE_LINK_HOURS = 48

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler would print each of its records a second time next to the root's
        # ("Watching for file changes" twice under runserver): its records go through the root only.
        "django": {"handlers": [], "level": "INFO"},
        "django.db.backends": {"level": "WARNING"},
    },
}
