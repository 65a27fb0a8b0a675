"""Password hashing (PBKDF2-SHA256), shared by the server's user table and
the workstation's offline sign-in verifier.

A stored hash is ``pbkdf2_sha256$<iterations>$<salt>$<hex digest>``.  A
stored value that is not of that form (damaged, or from another scheme)
never verifies: ``verify_password`` answers False rather than raising, so a
bad row refuses one sign-in instead of failing the request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

PASSWORD_ITERATIONS = 60_000
ALGORITHM = "pbkdf2_sha256"


def hash_password(password: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    if "$" in salt:
        # "$" separates the fields; such a hash could never be verified.
        raise ValueError("a password salt cannot contain '$'")
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), PASSWORD_ITERATIONS)
    return f"{ALGORITHM}${PASSWORD_ITERATIONS}${salt}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    parts = stored.split("$")
    if len(parts) != 4 or parts[0] != ALGORITHM:
        return False
    _algo, iterations, salt, digest = parts
    try:
        rounds = int(iterations)
    except ValueError:
        return False
    if rounds < 1:
        return False  # pbkdf2_hmac would raise on it
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), rounds)
    # As bytes: compare_digest refuses str with non-ASCII characters.
    return hmac.compare_digest(candidate.hex().encode(), digest.encode("utf-8", "replace"))
