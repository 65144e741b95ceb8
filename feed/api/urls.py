"""The feed's `/api/v1/feed/` routes."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "feed/section47-enquiries/",
        views.Section47EventView.as_view(),
        name="api-feed-section47",
    ),
    path(
        "feed/initial-conferences/",
        views.InitialConferenceEventView.as_view(),
        name="api-feed-initial-conference",
    ),
    path(
        "feed/review-conferences/",
        views.ReviewConferenceEventView.as_view(),
        name="api-feed-review-conference",
    ),
    path("feed/core-groups/", views.CoreGroupEventView.as_view(), name="api-feed-core-group"),
    path("feed/plan-ends/", views.PlanEndEventView.as_view(), name="api-feed-plan-end"),
]
