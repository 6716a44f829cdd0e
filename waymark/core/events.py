"""Clinical events one domain announces and another acts on, without the first
importing the second (labs and meds know nothing of incentives).

A listener runs inside the announcing service's transaction, so its writes
commit or roll back with the event; it returns plain-language messages for the
person who recorded the event ("Earned $5.00 …").
"""

from collections.abc import Callable
from typing import Any

Listener = Callable[..., list[str]]

_listeners: dict[str, list[Listener]] = {}

SPECIMEN_RESULTED = "specimen_resulted"  # specimen=…, actor=…: results recorded, or a missed/refused test
CLINIC_DAY_CLOSED = "clinic_day_closed"  # program=…, day=…: the window's day is closed, missed doses marked


def listen(event: str, listener: Listener) -> None:
    handlers = _listeners.setdefault(event, [])
    if listener not in handlers:
        handlers.append(listener)


def emit(event: str, **payload: Any) -> list[str]:
    messages: list[str] = []
    for listener in _listeners.get(event, []):
        messages.extend(listener(**payload))
    return messages
