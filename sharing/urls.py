from django.urls import path

from . import views

app_name = "sharing"
urlpatterns = [
    path("", views.agreement_list_view, name="agreement_list"),
    path("new/", views.agreement_create_view, name="agreement_create"),
    path("<int:pk>/end/", views.agreement_end_view, name="agreement_end"),
    path("tokens/", views.token_list_view, name="token_list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("my-tokens/", views.personal_token_list_view, name="personal_token_list"),
    path(
        "my-tokens/<int:pk>/revoke/",
        views.personal_token_revoke_view,
        name="personal_token_revoke",
    ),
]
