from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .context import audit_context
from .models import Channel


class AuditContextMiddleware:
    """Records the channel, client address and user agent of each request for audit events."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = Channel.API if request.path.startswith("/api/") else Channel.WEB
        with audit_context(
            channel=channel,
            ip_address=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            path=request.get_full_path()[:300],
        ):
            return self.get_response(request)
