"""Settings shared by every environment.

Every value that differs between deployments is read from the environment (django-environ);
`README.md` lists each variable. Domain windows (the cohort rule, review cadence) live at the
bottom, grouped, because an authority may change them.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The Django admin, read only and for administrators only (config/admin.py, ADR 0045).
    "config.admin_config.ReadOnlyAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "audit",
    "cases",
    "cohort",
    "protection",
    "interventions",
    "assessments",
    "reporting",
    "census",
    "sharing",
    "feed",
    "home",
    "partners",
    "staff",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.middleware.RejectNulBytesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "cases.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# django-guardian: anonymous users never hold object permissions.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# django-axes: lock an account and address pair after repeated failed logins.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    ("govuk-frontend", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    ("axe-core", BASE_DIR / "node_modules" / "axe-core"),
    ("chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
    BASE_DIR / "static",
]
# GOV.UK Frontend's stylesheet asks for its fonts and images at /assets/.
WHITENOISE_ROOT = BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated call is then told `401 WWW-Authenticate: Bearer`.
        "sharing.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["sharing.throttling.TokenRateThrottle"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "sharing.api.ApiAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Safeguard Transitions API",
    "DESCRIPTION": (
        "Partner agency API: families, people, plans and cohort flags shared by agreement. "
        "The feed (`/api/v1/feed/`): plan, conference and step-down events from the council's "
        "own case system."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CategoryOfAbuseEnum": "cases.codes.CategoryOfAbuse",
        "PersonKindEnum": "cases.models.Person.Kind",
        "ConferenceKindEnum": "cases.models.Conference.Kind",
    },
}

# Celery: JSON only, bounded task time, beat schedule kept here (not in the database).
CELERY_BROKER_URL = env(
    "CELERY_BROKER_URL", default=env("REDIS_URL", default="redis://127.0.0.1:6379/0")
)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
# Tasks survive their worker (ADR 0053): a message is acknowledged when its task ends, and given
# back to the queue when the worker process running it dies. Every task here is idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis gives an unacknowledged message to another worker after this many seconds (a worker
# killed outright acknowledges nothing): longer than the longest task may run, or a task still
# running would be started twice, and no longer, or a lost one waits needlessly.
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int(
    "CELERY_BROKER_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 5 * 60
)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    # An unreachable broker fails a publish in seconds, not a hung request.
    "socket_connect_timeout": 5,
    "socket_timeout": 10,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 5
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
COHORT_RUN_HOUR = env.int("COHORT_RUN_HOUR", default=2)
COHORT_RUN_MINUTE = env.int("COHORT_RUN_MINUTE", default=0)
COHORT_RUN_MAX_RETRIES = env.int("COHORT_RUN_MAX_RETRIES", default=3)
COHORT_RUN_RETRY_BACKOFF_SECONDS = env.int("COHORT_RUN_RETRY_BACKOFF_SECONDS", default=60)
# A census import whose worker stopped mid-way this many times is failed, not resumed again.
CENSUS_IMPORT_MAX_ATTEMPTS = env.int("CENSUS_IMPORT_MAX_ATTEMPTS", default=3)
REPORTING_RUN_HOUR = env.int("REPORTING_RUN_HOUR", default=3)
REPORTING_RUN_MINUTE = env.int("REPORTING_RUN_MINUTE", default=0)
# The daily feed (ADR 0084): census XML dropped in this folder is imported on a schedule, before
# the nightly cohort run. Unset: no drop folder (the feed API still works).
FEED_DROP_FOLDER = env("FEED_DROP_FOLDER", default="")
FEED_DROP_HOUR = env.int("FEED_DROP_HOUR", default=1)
FEED_DROP_MINUTE = env.int("FEED_DROP_MINUTE", default=0)
FEED_DROP_SETTLE_SECONDS = env.int("FEED_DROP_SETTLE_SECONDS", default=60)
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "cohort-nightly": {
        "task": "cohort.tasks.cohort_run_nightly",
        "schedule": crontab(hour=COHORT_RUN_HOUR, minute=COHORT_RUN_MINUTE),
    },
    "feed-drop-folder": {
        "task": "feed.tasks.feed_drop_folder_import",
        "schedule": crontab(hour=FEED_DROP_HOUR, minute=FEED_DROP_MINUTE),
    },
    "sharing-grants-nightly": {
        "task": "sharing.tasks.sharing_grants_sync_nightly",
        "schedule": crontab(hour=0, minute=15),
    },
    # After the cohort run, so the outcome evaluation sees the night's flags.
    "reporting-figures-nightly": {
        "task": "reporting.tasks.figures_build_nightly",
        "schedule": crontab(hour=REPORTING_RUN_HOUR, minute=REPORTING_RUN_MINUTE),
    },
    "idempotency-keys-prune-nightly": {
        "task": "sharing.tasks.idempotency_keys_prune_nightly",
        "schedule": crontab(hour=0, minute=30),
    },
}

# API access (sharing app): token lifetimes and the per-token request rate (ADR 0033, 0036).
# The throttle counts in the default cache: set CACHE_URL to a shared cache (Redis) in production.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
API_THROTTLE_RATE = env("API_THROTTLE_RATE", default="600/min")
# Days a stored Idempotency-Key is honoured; older keys are ignored and pruned nightly (ADR 0035).
API_IDEMPOTENCY_KEY_DAYS = env.int("API_IDEMPOTENCY_KEY_DAYS", default=30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- Domain settings (DOMAIN.md). An authority may change any of these. -----------------------
REPLAN_WINDOW_MONTHS = env.int("REPLAN_WINDOW_MONTHS", default=18)
MIN_PLAN_MONTHS = env.int("MIN_PLAN_MONTHS", default=4)
STEP_DOWN_GRACE_DAYS = env.int("STEP_DOWN_GRACE_DAYS", default=28)
STEP_DOWN_LINK_DAYS = env.int("STEP_DOWN_LINK_DAYS", default=7)
REVIEW_DUE_WEEKS = env.int("REVIEW_DUE_WEEKS", default=4)
REVIEW_OVERDUE_WEEKS = env.int("REVIEW_OVERDUE_WEEKS", default=6)
DASH_HIGH_RISK_YES = env.int("DASH_HIGH_RISK_YES", default=14)
DASH_MEDIUM_RISK_YES = env.int("DASH_MEDIUM_RISK_YES", default=10)
DASH_ESCALATION_INCIDENTS = env.int("DASH_ESCALATION_INCIDENTS", default=3)
AUTHORITY_NAME = env("AUTHORITY_NAME", default="Demo Borough Council")
AUTHORITY_LA_CODE = env("AUTHORITY_LA_CODE", default="999")
