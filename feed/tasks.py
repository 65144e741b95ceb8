"""The feed's scheduled work: thin, calls a service."""

from celery import shared_task
from django.conf import settings

from audit.context import audit_context
from audit.models import Channel

from .services import feed_drop_folder_scan


@shared_task(name="feed.tasks.feed_drop_folder_import")
def feed_drop_folder_import() -> int:
    """Queue a census import for each new file in `FEED_DROP_FOLDER` (nothing when unset).

    Idempotent: a file already taken in (same content) is not imported again. Returns how many
    files were queued.
    """
    folder = settings.FEED_DROP_FOLDER
    if not folder:
        return 0
    with audit_context(channel=Channel.TASK, path="feed.tasks.feed_drop_folder_import"):
        files = feed_drop_folder_scan(
            actor=None, folder=folder, settle_seconds=settings.FEED_DROP_SETTLE_SECONDS
        )
    return len(files)
