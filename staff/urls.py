from django.urls import path

from . import views

app_name = "staff"
urlpatterns = [
    path("", views.staff_list_view, name="list"),
    path("new/", views.staff_create_view, name="create"),
    path("<int:pk>/", views.staff_edit_view, name="edit"),
    path("<int:pk>/deactivate/", views.staff_deactivate_view, name="deactivate"),
    path("<int:pk>/reactivate/", views.staff_reactivate_view, name="reactivate"),
]
