"""The cohort's `/api/v1/` routes."""

from rest_framework.routers import DefaultRouter

from .views import CohortFlagViewSet, CohortRunViewSet


def register(router: DefaultRouter) -> None:
    router.register("cohort/flags", CohortFlagViewSet, basename="cohort-flag")
    router.register("cohort/runs", CohortRunViewSet, basename="cohort-run")
