from django.urls import path

from . import views

app_name = "census"
urlpatterns = [
    path("", views.upload_view, name="upload"),
    path("imports/<int:pk>/", views.import_detail_view, name="import_detail"),
    path("imports/<int:pk>/status.json", views.import_status_view, name="import_status"),
    path("imports/<int:pk>/report.csv", views.import_report_csv_view, name="import_report_csv"),
    path("imports/<int:pk>/retry/", views.import_retry_view, name="import_retry"),
    path("data-quality/", views.held_back_list_view, name="held_back_list"),
    path("data-quality/<int:pk>/", views.held_back_detail_view, name="held_back_detail"),
]
