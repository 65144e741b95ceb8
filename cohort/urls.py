from django.urls import path

from . import views

app_name = "cohort"
urlpatterns = [
    path("", views.cohort_list_view, name="flag_list"),
    path("export.csv", views.cohort_export_view, name="flag_export"),
    path("flags/<int:pk>/", views.cohort_flag_view, name="flag_detail"),
    path("flags/<int:pk>/accept/", views.flag_accept_view, name="flag_accept"),
    path("flags/<int:pk>/decline/", views.flag_decline_view, name="flag_decline"),
    path("flags/<int:pk>/allocate/", views.flag_allocate_view, name="flag_allocate"),
    path("flags/<int:pk>/reallocate/", views.flag_reallocate_view, name="flag_reallocate"),
    path("flags/<int:pk>/activate/", views.flag_activate_view, name="flag_activate"),
    path("flags/<int:pk>/close/", views.flag_close_view, name="flag_close"),
    path("flags/<int:pk>/challenge/", views.flag_dispute_view, name="flag_dispute"),
    path("challenges/<int:pk>/answer/", views.dispute_answer_view, name="dispute_answer"),
    path("runs/", views.cohort_run_list_view, name="run_list"),
    path("runs/<int:pk>/", views.cohort_run_view, name="run_detail"),
]
