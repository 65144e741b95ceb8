"""The ceiling for the API benchmark: plain Django views returning the same rows as
`/api/v1/families/` (same token lookup, same `visible_to`, same members) as JSON, with no DRF,
no per-row scopes and no audit write. What the API costs on top of this is its price."""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

from cases.models import Family, FamilyMembership
from sharing.services import api_token_authenticate


def _user(request: HttpRequest):  # type: ignore[no-untyped-def]
    header = request.headers.get("Authorization", "")
    token = api_token_authenticate(header.removeprefix("Bearer ").strip())
    if token is None:
        raise Http404
    return token.user


def _rows(user, **filters):  # type: ignore[no-untyped-def]
    members = FamilyMembership.objects.order_by("id").values
    families = list(
        Family.objects.visible_to(user)
        .filter(**filters)
        .order_by("id")
        .values("id", "reference", "updated_at", "address", "postcode")[:50]
    )
    ids = [f["id"] for f in families]
    by_family: dict[int, list[dict]] = {pk: [] for pk in ids}
    for m in members("family_id", "person_id", "person__kind", "abuse_role", "relationship").filter(
        family_id__in=ids
    ):
        by_family[m["family_id"]].append(
            {
                "person": m["person_id"],
                "kind": m["person__kind"],
                "abuse_role": m["abuse_role"],
                "relationship": m["relationship"],
            }
        )
    for family in families:
        family["members"] = by_family[family["id"]]
    return families


def family_list_plain(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"results": _rows(_user(request))})


def family_detail_plain(request: HttpRequest, pk: int) -> HttpResponse:
    rows = _rows(_user(request), pk=pk)
    if not rows:
        raise Http404
    return JsonResponse(rows[0])
