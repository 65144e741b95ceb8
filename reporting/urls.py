from django.urls import path

from . import views

app_name = "reporting"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("download/<slug:key>.<str:file_format>", views.dashboard_export_view, name="export"),
    path("scrutiny-pack.pdf", views.scrutiny_pack_view, name="scrutiny_pack"),
    path("refresh/", views.refresh_view, name="refresh"),
    path("plans/", views.plans_view, name="plans"),
    path("families/", views.families_view, name="families"),
    path("outcomes/", views.outcome_view, name="outcomes"),
    path(
        "outcomes/download/<slug:key>.<str:file_format>",
        views.outcome_export_view,
        name="outcome_export",
    ),
    path("comparators/", views.comparators_view, name="comparators"),
    path("comparators/<int:pk>/remove/", views.comparator_delete_view, name="comparator_delete"),
]
