"""Settings for `bench/api.py`: production-like (DEBUG off, persistent connections, real password
hashing, the cache in Redis), loopback only, the bench URLconf (adds the plain-Django ceiling
views), throttling raised so the load generator measures the server, not the limiter."""

import warnings

from config.settings.base import *  # noqa: F403
from config.settings.base import env

SECRET_KEY = "bench-only-not-secret-" + "x" * 40
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"
# Persistent connections, as production intends (the setting Django reads is the per-database one).
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
API_THROTTLE_RATE = env("API_THROTTLE_RATE", default="1000000/min")
# As production: the throttle counts in Redis (production refuses a per-process cache).
CACHES = {"default": env.cache("CACHE_URL", default="redis://127.0.0.1:6379/9")}
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
LOGGING["root"]["level"] = "WARNING"  # type: ignore[index]  # noqa: F405

# The bench serves no static files; whitenoise need not warn that none were collected.
warnings.filterwarnings("ignore", message="No directory at")
