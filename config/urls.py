from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.health import healthz, liveness
from home.views import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("healthz/live", liveness, name="liveness"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("families/", include("cases.urls")),
    path("", include("protection.urls")),
    path("cohort/", include("cohort.urls")),
    path("census/", include("census.urls")),
    path("sharing/", include("sharing.urls")),
    path("reports/", include("reporting.urls")),
    path("staff/", include("staff.urls")),
    path("api/v1/", include("config.api_urls")),
    path("admin/", admin.site.urls),
]
