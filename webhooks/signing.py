"""Standard Webhooks signatures (https://www.standardwebhooks.com/): `v1,` + base64 HMAC-SHA256 of
`{webhook-id}.{webhook-timestamp}.{body}`, keyed with the base64-decoded secret (after `whsec_`)."""

import base64
import hashlib
import hmac

from .models import SECRET_PREFIX


def signature(*, secret: str, message_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(*, secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "Advocacy-Webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret=secret, message_id=message_id, timestamp=timestamp, body=body),
    }
