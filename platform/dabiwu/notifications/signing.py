"""Webhook secrets and signatures (the scheme of MLflow 3's open-source webhooks, under our own names).

The secret is never stored.  It is derived: HMAC-SHA256(DABIWU_SECRET_KEY, "dabiwu-webhook:<id>:<salt>"),
shown to the admin once (at creation or rotation) and re-derived when signing.  A copy of the database
alone therefore signs nothing; a new DABIWU_SECRET_KEY changes every webhook's secret (rotate them all).

Each delivery is signed over `<delivery id>.<timestamp>.<body>`:

    X-Dabiwu-Delivery-Id: <delivery id>
    X-Dabiwu-Timestamp:   <unix seconds>
    X-Dabiwu-Event:       <event type>
    X-Dabiwu-Signature:   v1,<base64 of HMAC-SHA256(secret, "<delivery id>.<timestamp>.<body>")>
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SIGNATURE_VERSION = "v1"
SECRET_PREFIX = "whsec_"


def new_salt() -> str:
    return secrets.token_hex(16)


def webhook_secret(*, secret_key: str, webhook_id: str, salt: str) -> str:
    digest = hmac.new(secret_key.encode(), f"dabiwu-webhook:{webhook_id}:{salt}".encode(), hashlib.sha256).hexdigest()
    return SECRET_PREFIX + digest


def sign(*, secret: str, delivery_id: str, timestamp: int, body: bytes) -> str:
    message = f"{delivery_id}.{timestamp}.".encode() + body
    mac = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(mac).decode()}"


def verify(*, secret: str, delivery_id: str, timestamp: int, body: bytes, signature: str) -> bool:
    """What a receiver does (constant-time compare); kept here for tests and as the reference."""
    return hmac.compare_digest(sign(secret=secret, delivery_id=delivery_id, timestamp=timestamp, body=body), signature)
