"""The OpenAPI schema against the running application (in-process WSGI): Schemathesis generates
requests from the schema, and every response must be a documented status with a body matching
the schema; no server errors. Also: the schema and docs are served without a CDN."""

import datetime as dt

import pytest
import schemathesis
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from cases.roles import Role
from cases.services import da_incident_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_token(household, police, share, agency_token, make_user, settings):
    """A police token; one family shared with plans, incidents and cohort, with an incident."""
    settings.API_THROTTLE_RATE = "100000/min"
    cache.clear()
    share(police, ["plans", "incidents", "cohort"], family=household["family"])
    da_incident_record(
        actor=make_user(Role.PARTNER, agency=police),
        family=household["family"],
        occurred_on=timezone.localdate() - dt.timedelta(days=3),
        summary="Incident.",
        people_involved=[household["mother"]],
    )
    return agency_token(police)[0]


@pytest.fixture
def keep_test_connection():
    """As Django's test client does: a request must not close the test's database connection
    (it holds the test transaction)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Loading the schema needs no database: it is generated from the code.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, api_token, keep_test_connection):
    # `positive_data_acceptance` expects any schema-valid body to be accepted; ours refer to records
    # (a family id) that must exist and be shared, so a made-up id is rightly a 400.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_token}"},
        excluded_checks=[positive_data_acceptance],
    )


def test_schema_and_docs_are_served_from_our_static_files(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/families/{id}/" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()
