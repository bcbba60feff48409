"""A text field whose value is encrypted in the database and plain in Python."""

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; reads give the plaintext. Not searchable, by design."""

    description = "Text encrypted at rest with TOKEN_ENCRYPTION_KEYS"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)
