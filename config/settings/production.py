"""Production: PostgreSQL, Redis, HTTPS. Refuses to start without its secrets."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY, env

if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 50+ characters.")
if not env("DATABASE_URL", default=""):
    raise ImproperlyConfigured("DATABASE_URL must be set (PostgreSQL) in production.")
# The per-token API throttle counts in the cache: a per-process cache would let each gunicorn
# worker grant the full rate (ADR 0036), so production needs a shared one.
if env("CACHE_URL", default="").split("://")[0] in {"", "locmemcache", "dummycache"}:
    raise ImproperlyConfigured(
        "CACHE_URL must name a shared cache in production, e.g. redis://redis:6379/1 "
        "(the API throttle counts there; a per-process cache multiplies the rate by the workers)."
    )

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Health checks come over plain HTTP from inside the container network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^healthz/live$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Preloading commits the whole domain to HTTPS for years: an authority opts in, so W021 is
# a decision, not an oversight.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Persistent connections: Django reads this per database, not as a top-level setting.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
