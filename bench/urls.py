"""The application's URLs plus the ceiling views (bench only, never in config/urls.py)."""

from django.urls import path

from config.urls import urlpatterns as app_urlpatterns

from .ceiling import family_detail_plain, family_list_plain

urlpatterns = [
    path("bench/families/", family_list_plain),
    path("bench/families/<int:pk>/", family_detail_plain),
    *app_urlpatterns,
]
