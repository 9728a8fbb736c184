"""The one settings module. Every value comes from the environment through `tular.config`."""

from pathlib import Path

from tular import config as tular_config

CONFIG = tular_config.load()
BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = CONFIG.data_dir

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = CONFIG.allowed_hosts
TULAR_PUBLIC_URL = CONFIG.public_url  # None: derived from the request (http://HOST:PORT)
TULAR_WEBHOOKS_ALLOW_PRIVATE = CONFIG.webhooks_allow_private
TULAR_REDIRECT_CACHE_SECONDS = CONFIG.redirect_cache_seconds
TULAR_API_RATE_LIMIT = CONFIG.api_rate_limit
TULAR_ASSET_MAX_BYTES = CONFIG.asset_max_bytes

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # the widgets' templates, for FORM_RENDERER
    "corsheaders",
    "django_htmx",
    "ninja",  # serves the API docs' assets locally (no CDN)
    "django_tasks_db",
    "tular.core",
    "tular.messaging",
    "tular.workspaces",
    "tular.webhooks",
    "tular.programs",
    "tular.participants",
    "tular.tracking",
    "tular.deals",
    "tular.enablement",
    "tular.support",
    "tular.referrals",
    "tular.rewards",
    "tular.integrations",
    "tular.api",
    "tular.analytics",
    "tular.partners",
    "tular.demo",
    "tular.console",
    "tular.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "tular.api.middleware.ApiProblemMiddleware",
    "tular.api.idempotency.IdempotencyMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tular.urls"
FORM_RENDERER = "tular.core.forms.UIRenderer"
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:overview"
AUTHENTICATION_BACKENDS = ["tular.workspaces.auth.EmailBackend"]
WSGI_APPLICATION = "tular.wsgi.application"

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
                "tular.console.context.console",
                "tular.portal.context.portal",
            ],
        },
    },
]

DATABASES = {"default": dict(CONFIG.database)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a read-then-write transaction takes the write lock up front instead of
        # failing with "database is locked" when it tries to upgrade under load.
        "transaction_mode": "IMMEDIATE",
        # WAL + synchronous=NORMAL: a committed write survives a crash of the process;
        # FULL (TULAR_SQLITE_SYNCHRONOUS) also survives power loss, at some write speed.
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            f"PRAGMA synchronous={CONFIG.sqlite_synchronous};"
            "PRAGMA busy_timeout=5000;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA cache_size=-20000;"
            "PRAGMA temp_store=MEMORY;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": CONFIG.tasks_backend}}
if CONFIG.tasks_backend.startswith("django_tasks_redis"):
    INSTALLED_APPS.append("django_tasks_redis")  # its admin page and worker command
    TASKS["default"]["QUEUES"] = []  # any queue name, as with the database queue
    TASKS["default"]["OPTIONS"] = {
        "REDIS_URL": CONFIG.redis_url,
        "REDIS_KEY_PREFIX": "tular_tasks",
        "REDIS_CONSUMER_GROUP": "tular_workers",
        # A message a worker took and did not acknowledge within this time (the worker died)
        # is run by another: longer than any of our tasks (an import claims its own rows).
        "REDIS_CLAIM_TIMEOUT": 300,
        "REDIS_SOCKET_CONNECT_TIMEOUT": 5,
        "REDIS_HEALTH_CHECK_INTERVAL": 30,
    }

# The cache holds only what may differ per process: the API's per-key rate limit (ninja's
# throttle) and nothing else (sessions, sign-in throttles, idempotency keys and job claims are
# database rows). With TULAR_REDIS_URL the rate limit is shared by every server process;
# without it each process counts its own requests.
if CONFIG.redis_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CONFIG.redis_url,
            "KEY_PREFIX": "tular",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Static files straight from the apps (no collectstatic step for a one-command install).
WHITENOISE_USE_FINDERS = True

# Uploaded files (the partner asset library): under the data directory, never served as
# static files (no MEDIA_URL route; whitenoise serves STATIC_ROOT only): every download goes
# through a view that checks who asks (tular.enablement).
MEDIA_ROOT = DATA_DIR / "media"

MAILERS = {"default": CONFIG.email}
DEFAULT_FROM_EMAIL = "Tular <noreply@localhost>"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if CONFIG.public_url and CONFIG.public_url.startswith("https://"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = [CONFIG.public_url]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

NINJA_PAGINATION_PER_PAGE = 50

# Browsers may call only the publishable-key endpoint from other sites: a publishable key is
# public by design, so any origin; no cookies are involved.
CORS_URLS_REGEX = r"^/api/v1/track/click$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_HEADERS = ["authorization", "content-type", "idempotency-key"]
CORS_ALLOW_METHODS = ["POST", "OPTIONS"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": CONFIG.log_level},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
