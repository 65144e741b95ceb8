"""Where an action came from (channel, address, user agent, path), carried in a context variable.

The middleware sets it for each request; tasks and commands set it with `audit_context(...)`.
Services read it when they record an event, so no service needs a `request` argument.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace

from .models import Channel


@dataclass(frozen=True)
class AuditContext:
    channel: str = Channel.SYSTEM
    ip_address: str | None = None
    user_agent: str = ""
    path: str = ""


# AuditContext is a frozen dataclass: sharing the default instance is safe.
_current: ContextVar[AuditContext] = ContextVar(
    "audit_context",
    default=AuditContext(),  # noqa: B039
)


def current_context() -> AuditContext:
    return _current.get()


@contextmanager
def audit_context(**changes: str | None) -> Iterator[AuditContext]:
    token = _current.set(replace(_current.get(), **changes))  # type: ignore[arg-type]
    try:
        yield _current.get()
    finally:
        _current.reset(token)
