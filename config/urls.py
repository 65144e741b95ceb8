from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cases.views import home
from config.health import healthz

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("families/", include("cases.urls")),
    path("cohort/", include("cohort.urls")),
    path("census/", include("census.urls")),
    path("sharing/", include("sharing.urls")),
    path("staff/", include("staff.urls")),
    path("api/v1/", include("config.api_urls")),
    path("admin/", admin.site.urls),
]
