"""Encryption of tokens at rest (Fernet, keys from settings.TOKEN_ENCRYPTION_KEYS).

The first key encrypts; every key decrypts, so keys rotate by putting a new one
first and re-saving (`networks.services.connections.tokens_reencrypt()` from `manage.py shell`).
In DEBUG and tests a development key is derived from SECRET_KEY; in production
the app refuses to start without keys (networks.apps.NetworksConfig.ready).
"""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class TokenDecryptionError(Exception):
    """Stored ciphertext cannot be decrypted with any configured key (key lost or rotated out)."""


def development_key(secret_key: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(f"advocacy-token-key:{secret_key}".encode()).digest())


def configured_keys() -> list[bytes]:
    """The Fernet keys in use, newest first. Raises ImproperlyConfigured when none may be used."""
    keys = [key.encode() for key in settings.TOKEN_ENCRYPTION_KEYS]
    if keys:
        for key in keys:
            try:
                Fernet(key)
            except (ValueError, TypeError) as exc:
                raise ImproperlyConfigured(
                    "TOKEN_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64 bytes; "
                    'make one with python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key())").'
                ) from exc
        return keys
    if settings.DEBUG:
        return [development_key(settings.SECRET_KEY)]
    raise ImproperlyConfigured(
        "TOKEN_ENCRYPTION_KEYS must be set when DEBUG is off: network tokens are encrypted at rest with it "
        '(make one with python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key())").'
    )


@lru_cache(maxsize=4)
def _fernet(keys: tuple[bytes, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(configured_keys()))


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    if not ciphertext:
        return ""
    try:
        return fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise TokenDecryptionError("A stored token cannot be decrypted with the configured keys.") from exc


def rotate(ciphertext: str) -> str:
    """The same secret encrypted with the newest key."""
    return fernet().rotate(ciphertext.encode()).decode() if ciphertext else ""
