"""The ceiling for the API benchmark: plain Django views returning the same rows as
`/api/v1/families/` (the same JSON objects, key for key; a test compares them) with no DRF,
no pagination cursor, no throttle, no filters and no audit write.

They do the same data work as the API: the token lookup, `visible_to`, and what the access
policy allows of the page's families, their members, plans and incidents (`family_page_extras`,
which the API's viewset calls too). What the API costs on top of this is the price of its
framework and of the audit log (ADR 0039).
"""

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from cases.models import Family
from partners.api.views import family_page_extras
from sharing.services import api_token_authenticate

PAGE_SIZE = 50
COLUMNS = ("id", "reference", "updated_at", "address", "postcode", "address_confidential")


def _user(request: HttpRequest) -> Any:
    header = request.headers.get("Authorization", "")
    token = api_token_authenticate(header.removeprefix("Bearer ").strip())
    if token is None:
        raise Http404
    return token.user


def _datetime(value: dt.datetime) -> str:
    """As the API writes a datetime: local time, ISO 8601, `Z` for UTC."""
    text = timezone.localtime(value).isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def _rows(user: Any, **filters: Any) -> list[dict[str, Any]]:
    families = list(
        Family.objects.visible_to(user)
        .filter(**filters)
        .order_by("id")
        .values_list(*COLUMNS)[:PAGE_SIZE]
    )
    extras = family_page_extras(user=user, family_ids=[family[0] for family in families])
    rows = []
    for pk, reference, updated_at, address, postcode, confidential in families:
        access = extras.access[pk]
        allowed = access.family_keys(address_confidential=confidential)
        row = {
            "id": pk,
            "reference": reference,
            "updated_at": _datetime(updated_at),
            "address": address,
            "postcode": postcode,
            "address_confidential": confidential,
            "members": extras.members.get(pk, []),
            "shared_scopes": access.shared_scopes,
            "cp_plans": extras.cp_plans.get(pk, []),
            "incidents": extras.incidents.get(pk, []),
        }
        rows.append({key: value for key, value in row.items() if key in allowed})
    return rows


def family_list_plain(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"results": _rows(_user(request))})


def family_detail_plain(request: HttpRequest, pk: int) -> HttpResponse:
    rows = _rows(_user(request), pk=pk)
    if not rows:
        raise Http404
    return JsonResponse(rows[0])
