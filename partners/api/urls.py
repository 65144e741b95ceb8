"""The case record's `/api/v1/` routes."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import FamilyViewSet, IncidentViewSet, MeView, PersonViewSet, PlanViewSet


def register(router: DefaultRouter) -> None:
    router.register("families", FamilyViewSet, basename="api-family")
    router.register("people", PersonViewSet, basename="api-person")
    router.register("plans", PlanViewSet, basename="api-plan")
    router.register("incidents", IncidentViewSet, basename="api-incident")


urlpatterns = [path("me/", MeView.as_view(), name="api-me")]
