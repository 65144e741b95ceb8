from django.urls import path

from .views import ReplanReportView

urlpatterns = [path("replans/", ReplanReportView.as_view(), name="api-report-replans")]
