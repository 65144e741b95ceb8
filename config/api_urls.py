"""`/api/v1/`: one router; apps register their viewsets on `router` here."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from cohort.api import urls as cohort_api
from feed.api import urls as feed_api
from partners.api import urls as partners_api

router = DefaultRouter()
partners_api.register(router)
cohort_api.register(router)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("reports/", include("reporting.api.urls")),
    path("", include(partners_api.urlpatterns)),
    path("", include(feed_api.urlpatterns)),
    path("", include(router.urls)),
]
