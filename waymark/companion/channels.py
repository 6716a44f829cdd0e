"""How a reminder or a care-team notice leaves Waymark: a small pluggable channel.

A `Channel` sends one message to one address. `EmailChannel` uses Django's mail
(the deployment's EMAIL_BACKEND); `SmsChannel` hands the text to an `SmsBackend`
named by the setting WAYMARK_SMS_BACKEND (a dotted path; the default,
`ConsoleSmsBackend`, prints "SMS to ***1234: <text>" and sends nothing, so a
deployment without a text-message provider is safe). A real provider is one
class with a `send_text(to, text)` method.

What goes through a channel is seen on lock screens and shared phones: callers
send generic words only ("Waymark: time for your daily check-in."), never a
medication, a clinic or anything about the person's health.
"""

import logging
import sys
from typing import Protocol, TextIO

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

log = logging.getLogger("waymark.companion.channels")

DEFAULT_SMS_BACKEND = "waymark.companion.channels.ConsoleSmsBackend"
EMAIL = "email"
SMS = "sms"


class Channel(Protocol):
    name: str

    def send(self, to: str, subject: str, body: str) -> None:
        """Send one message; raise if it could not be handed over (the caller may try again later)."""


class EmailChannel:
    name = EMAIL

    def send(self, to: str, subject: str, body: str) -> None:
        # from_email None: DEFAULT_FROM_EMAIL from settings.
        send_mail(subject, body, None, [to], fail_silently=False)


class SmsBackend(Protocol):
    def send_text(self, to: str, text: str) -> None:
        """Send `text` to the phone number `to`; raise if the provider refused it."""


def masked(phone: str) -> str:
    """A phone number as logs may show it: its last four digits only."""
    digits = "".join(c for c in phone if c.isdigit())
    return f"***{digits[-4:]}" if digits else "***"


class ConsoleSmsBackend:
    """Development and demo backend: writes each text to stdout (the number masked) instead of sending it."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send_text(self, to: str, text: str) -> None:
        stream = self.stream or sys.stdout
        stream.write(f"SMS to {masked(to)}: {text}\n")
        stream.flush()


class SmsChannel:
    name = SMS

    def __init__(self, backend: SmsBackend | None = None) -> None:
        self.backend = backend or sms_backend()

    def send(self, to: str, subject: str, body: str) -> None:
        # A text message has no subject line: the body is the whole message.
        self.backend.send_text(to, body)
        log.info("text message handed to %s for %s", type(self.backend).__name__, masked(to))


def sms_backend() -> SmsBackend:
    """The backend named by WAYMARK_SMS_BACKEND (default: the console)."""
    path = getattr(settings, "WAYMARK_SMS_BACKEND", "") or DEFAULT_SMS_BACKEND
    backend: SmsBackend = import_string(path)()
    return backend


def channel_for(name: str) -> Channel | None:
    """The channel a person chose ("email", "sms"), or None for "none" or anything unknown."""
    if name == EMAIL:
        return EmailChannel()
    if name == SMS:
        return SmsChannel()
    return None
