"""Checks the `Concentric-Signature` header of a webhook delivery.

The header is `t=<unix seconds>,v1=<hex>`; v1 is HMAC-SHA256 of "<t>." followed by the raw
request body, keyed with the webhook's secret (`whsec_...`). Check the raw bytes as received,
before any JSON parsing, and refuse timestamps far from now so a captured delivery cannot be
replayed later. Several v1 values may appear; one matching is enough.

Used by Concentric's own test suite against real deliveries, so this example stays true.

    CONCENTRIC_WEBHOOK_SECRET=whsec_... python3 verify_webhook.py "$SIGNATURE_HEADER" < body.json
"""

import hashlib
import hmac
import os
import sys
import time


def verify(secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None) -> bool:
    fields = [part.strip().split("=", 1) for part in header.split(",") if "=" in part]
    timestamps = [value for key, value in fields if key == "t"]
    signatures = [value for key, value in fields if key == "v1"]
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not signatures:
        return False
    if abs((time.time() if now is None else now) - int(timestamps[0])) > tolerance:
        return False
    signed = timestamps[0].encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


if __name__ == "__main__":
    ok = verify(os.environ["CONCENTRIC_WEBHOOK_SECRET"], sys.argv[1], sys.stdin.buffer.read())
    print("valid" if ok else "invalid")
    sys.exit(0 if ok else 1)
