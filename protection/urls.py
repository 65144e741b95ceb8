from django.urls import path

from . import views

app_name = "protection"
urlpatterns = [
    path("families/<int:pk>/section-47/", views.section47_view, name="section47"),
    path(
        "families/<int:pk>/initial-conference/",
        views.initial_conference_view,
        name="initial_conference",
    ),
    path(
        "families/<int:pk>/review-conference/",
        views.review_conference_view,
        name="review_conference",
    ),
    path("families/<int:pk>/core-group/", views.core_group_view, name="core_group"),
    path("families/<int:pk>/plans/<int:plan_pk>/end/", views.plan_end_view, name="plan_end"),
    path("conferences/upcoming/", views.upcoming_conferences_view, name="upcoming_conferences"),
    path("timescales/", views.timescale_list_view, name="timescale_list"),
]
