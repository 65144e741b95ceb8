from django.apps import AppConfig


class FeedConfig(AppConfig):
    """The daily feed from the council's case system: a drop folder of census XML (the year to
    date) imported on a schedule, and a system API for plan, conference and step-down events."""

    name = "feed"
