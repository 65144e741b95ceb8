"""Bad query input answers 400 (or, for a path id that cannot exist, 404), never 500: NUL bytes,
over-long strings, malformed cursors, numbers past what the database holds (issue 9)."""

import pytest
from django.utils import timezone

from cases.roles import Role

pytestmark = pytest.mark.django_db

PAGES = {
    "/families/": ["q", "sort", "page"],
    "/cohort/": ["status", "page", "family", "worker", "flagged_since"],
    "/cohort/runs/": ["page"],
    "/sharing/": ["state", "page"],
    "/census/": ["page"],
    "/census/data-quality/": ["status", "page"],
    "/conferences/upcoming/": ["show", "kind", "page"],
    "/timescales/": ["show", "kind", "page"],
    "/reports/": ["period", "year", "month", "from_day", "to_year", "baseline", "band"],
    "/reports/plans/": ["list", "from", "to", "at", "band", "page", "format"],
    "/reports/families/": ["stage", "group", "from", "to", "page"],
    "/reports/outcomes/": ["page"],
    "/reports/comparators/": ["page"],
}
API = {
    "/api/v1/families/": ["reference", "updated_after", "cursor", "page_size"],
    "/api/v1/people/": ["family", "la_child_id", "kind", "cursor"],
    "/api/v1/plans/": ["child", "family", "open", "started_after", "started_before"],
    "/api/v1/incidents/": ["family", "occurred_after", "occurred_before"],
    "/api/v1/cohort/flags/": ["family", "worker", "status", "flagged_since"],
    "/api/v1/cohort/runs/": ["as_of", "status"],
    "/api/v1/reports/replans/": ["from", "to"],
}
AWKWARD = [
    "\x00",
    "a\x00b",
    "x" * 5000,
    "9" * 30,
    "-1",
    "1e5",
    "1.5",
    "%",
    "' OR 1=1 --",
    "\u202e\ufeff",
    "2024-02-30",
    "\u00b2",  # a digit to str.isdigit(), not to int()
    "",
]


@pytest.fixture
def callers(client, manager, police_api):
    client.force_login(manager)
    police, _ = police_api
    return {"manager": client, "police": police}


@pytest.mark.parametrize("url", [*PAGES, *API])
def test_no_query_input_is_a_server_error(callers, url):
    params = {**PAGES, **API}[url]
    for name, caller in callers.items():
        if name == "police" and not url.startswith("/api/"):
            continue
        for param in params:
            for value in AWKWARD:
                response = caller.get(url, {param: value})
                assert response.status_code < 500, (name, url, param, repr(value)[:20])


@pytest.mark.parametrize("url", [*PAGES, *API])
def test_a_nul_byte_anywhere_in_the_query_is_a_400(callers, url):
    caller = callers["manager"]
    for query in ("?x=%00", "?%00=1", f"?{({**PAGES, **API}[url])[0]}=a%00b"):
        response = caller.get(url + query)
        assert response.status_code == 400, query
        if url.startswith("/api/"):
            assert response.json() == {"detail": "A NUL character is not allowed in the address."}
        else:
            assert 'class="govuk-header' in response.content.decode()
            assert "Sorry, we could not read that request" in response.content.decode()


def test_a_nul_byte_in_the_path_is_a_400(callers):
    assert callers["manager"].get("/families/%00/").status_code == 400
    assert callers["police"].get("/api/v1/families/%00/").status_code == 400


def test_over_long_search_and_filter_values_are_400s(callers):
    manager, police = callers["manager"], callers["police"]
    assert manager.get("/families/", {"q": "x" * 101}).status_code == 400
    assert police.get("/api/v1/families/", {"reference": "x" * 41}).status_code == 400
    assert police.get("/api/v1/people/", {"la_child_id": "x" * 21}).status_code == 400


@pytest.mark.parametrize("cursor", ["garbage", "%%%", "x" * 3000, "!!", "cD0="])
def test_a_malformed_cursor_is_a_400_naming_it(callers, cursor):
    response = callers["police"].get("/api/v1/families/", {"cursor": cursor})
    assert response.status_code == 400
    assert response.json() == {"cursor": ["Invalid cursor."]}


def test_ids_past_what_the_database_holds(callers):
    police = callers["police"]
    for endpoint in ("people", "plans"):
        response = police.get(f"/api/v1/{endpoint}/", {"family": "9" * 30})
        assert response.status_code == 400
        assert "family" in response.json()
    assert police.get("/api/v1/plans/", {"child": "1.5"}).status_code == 400
    assert police.get(f"/api/v1/families/{'9' * 30}/").status_code == 404
    assert police.get("/api/v1/families/-1/").status_code == 404


@pytest.mark.parametrize(
    "moment",
    ["9234-11-08T21:09:35+17:19", "9999-12-31T23:59:59-05:00", "2024-01-01T00:00:00+23:59"],
)
def test_a_date_time_postgresql_cannot_hold_is_a_400_or_converted(callers, moment):
    """Found by Schemathesis: an offset beyond PostgreSQL's 15:59 used to reach the query (500)."""
    response = callers["police"].get("/api/v1/families/", {"updated_after": moment})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "updated_after" in response.json()


def test_an_idempotency_key_with_control_characters_is_a_400(police_api, household):
    client, _ = police_api
    body = {
        "family": household["family"].pk,
        "occurred_on": timezone.localdate().isoformat(),
        "summary": "Call-out.",
        "people_involved": [household["mother"].pk],
    }
    response = client.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY="a\x01b")
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()


def test_a_nul_byte_in_a_json_body_is_a_400(police_api, household):
    client, _ = police_api
    body = {
        "family": household["family"].pk,
        "occurred_on": timezone.localdate().isoformat(),
        "summary": "Call\x00out.",
        "people_involved": [household["mother"].pk],
    }
    response = client.post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 400
    assert "summary" in response.json()


def test_a_nul_byte_in_a_form_post_is_a_form_error(client, make_user):
    client.force_login(make_user(Role.ADMINISTRATOR))
    response = client.post("/staff/new/", {"username": "a\x00b", "role": Role.IRO})
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "list=ended&from=2022-04-01&to=2023-03-31&band=%C2%B2",  # a superscript two
        "list=ended&from=2022-04-01&to=2023-03-31&band=99",
        "list=open&from=2022-04-01&to=2023-03-31&at=2023-02-30",
        "list=started&from=2023-04-01&to=2022-03-31",
        "list=nonsense&from=2022-04-01&to=2023-03-31",
    ],
)
def test_a_malformed_drill_down_link_is_a_400(callers, query):
    response = callers["manager"].get(f"/reports/plans/?{query}")
    assert response.status_code == 400
    assert "The link is not valid" in response.content.decode()
