import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from networks import crypto
from networks.models import ConnectedAccount
from networks.services.connections import tokens_reencrypt
from tests.factories import ConnectedAccountFactory


def raw_tokens(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM networks_connectedaccount WHERE id = %s", [pk])
        return cursor.fetchone()


def test_tokens_are_encrypted_at_rest_and_plain_in_python(db):
    account = ConnectedAccountFactory(access_token="secret-access", refresh_token="secret-refresh")
    stored_access, stored_refresh = raw_tokens(account.pk)
    assert "secret" not in stored_access and "secret" not in stored_refresh
    assert Fernet(crypto.configured_keys()[0]).decrypt(stored_access.encode()) == b"secret-access"
    fresh = ConnectedAccount.objects.get(pk=account.pk)
    assert (fresh.access_token, fresh.refresh_token) == ("secret-access", "secret-refresh")


def test_a_database_copy_with_another_key_reveals_nothing(db, settings):
    account = ConnectedAccountFactory(access_token="secret-access")
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.TokenDecryptionError):
        ConnectedAccount.objects.get(pk=account.pk)


def test_keys_rotate_newest_first(db, settings):
    old = Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [old]
    account = ConnectedAccountFactory(access_token="secret-access")
    new = Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [new, old]
    assert ConnectedAccount.objects.get(pk=account.pk).access_token == "secret-access"
    tokens_reencrypt()
    settings.TOKEN_ENCRYPTION_KEYS = [new]
    assert ConnectedAccount.objects.get(pk=account.pk).access_token == "secret-access"


def test_production_without_keys_refuses_to_start(settings):
    settings.DEBUG = False
    settings.TOKEN_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="TOKEN_ENCRYPTION_KEYS must be set"):
        crypto.configured_keys()
    from django.apps import apps

    with pytest.raises(ImproperlyConfigured):
        apps.get_app_config("networks").ready()


def test_a_malformed_key_is_a_configuration_error(settings):
    settings.TOKEN_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured, match="not a Fernet key"):
        crypto.configured_keys()


def test_development_key_is_derived_from_secret_key(settings):
    settings.TOKEN_ENCRYPTION_KEYS = []
    settings.DEBUG = True
    assert crypto.configured_keys() == [crypto.development_key(settings.SECRET_KEY)]
