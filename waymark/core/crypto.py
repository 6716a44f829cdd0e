"""Encryption at rest for the most sensitive free text (Fernet, keys rotatable).

Keys come from WAYMARK_ENCRYPTION_KEYS, newest first; every key still
decrypts, the first one encrypts. `waymark reencrypt` rewrites old values.
"""

from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.WAYMARK_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("Encrypted value cannot be read with the configured WAYMARK_ENCRYPTION_KEYS") from None


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token. Not searchable or sortable, by design."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))
