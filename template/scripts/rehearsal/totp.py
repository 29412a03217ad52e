"""An authenticator app's codes (RFC 6238: HMAC-SHA-1, 30 seconds, 6
digits), for the rehearsal's manager, who needs a second factor."""

import base64
import hashlib
import hmac
import struct
import time


def totp_code(secret: str) -> str:
    counter = int(time.time() // 30)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"
