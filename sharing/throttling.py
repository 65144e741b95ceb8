"""Per-token request rate (ADR 0036): each token (or, in the browser, each user) has its own
budget, so one busy partner system cannot starve another. 429 with Retry-After when spent.

The counts live in the cache (Redis in production). When the cache cannot be reached the
throttle fails open (ADR 0054): the request is served and a warning logged, because refusing
every partner for want of a counter would do more harm than a few minutes without a limit.
"""

import logging
import time
from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken

logger = logging.getLogger(__name__)

#: At most one warning per this many seconds while the cache is down (per process).
WARNING_EVERY_SECONDS = 60


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api_token"
    _last_warning = 0.0

    def get_rate(self) -> str:
        # Read at request time, so a deployment (or a test) can change it without a restart.
        return str(settings.API_THROTTLE_RATE)

    def allow_request(self, request: Any, view: Any) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except Exception as error:  # the cache backend's connection errors: any of them
            now = time.monotonic()
            if now - TokenRateThrottle._last_warning > WARNING_EVERY_SECONDS:
                TokenRateThrottle._last_warning = now
                logger.warning("API throttle not applied: the cache is unreachable (%s)", error)
            return True

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"anon:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
