from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.family_list_view, name="family_list"),
    path("<int:pk>/", views.family_detail_view, name="family_detail"),
]
