"""Request hygiene before any view runs."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import bad_request

NUL = "\x00"


class RejectNulBytesMiddleware:
    """A NUL byte in the path or a query parameter is a 400, never a 500 (PostgreSQL refuses NUL
    in text, so a NUL that reached a query would fail there). Form and JSON bodies are checked by
    their fields (Django's and DRF's CharField refuse NUL). The API answers JSON, pages the
    GOV.UK 400 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path or any(
            NUL in key or any(NUL in value for value in values)
            for key, values in request.GET.lists()
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "A NUL character is not allowed in the address."}, status=400
                )
            return bad_request(request, exception=ValueError("NUL in the request"))
        return self.get_response(request)
