"""Assertions shared by the network tests (builders live in tests/factories.py)."""


def assert_encrypted_at_rest(account, plain: str, *, column: str = "access_token") -> None:
    """The database column holds ciphertext, not the token (a plain SQL read, past the field)."""
    from django.db import connection

    assert column in ("access_token", "refresh_token")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM networks_connectedaccount WHERE id = %s", [account.pk])  # noqa: S608
        (stored,) = cursor.fetchone()
    assert plain and stored and plain not in stored
