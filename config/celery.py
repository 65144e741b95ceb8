"""The Celery app. Settings (serialisation, time limits, beat schedule) come from Django's."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("safeguard_transitions")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
