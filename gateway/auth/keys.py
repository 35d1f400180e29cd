"""API key format: `bbk_<key_id>_<secret>`, stored as its SHA-256 and found by its key id.

`key_id` is 12 base-62 characters: public, safe to log and to show in listings, and the
handle `/nlu/v2/api_keys/{instance_name}` accepts. `secret` is `secrets.token_urlsafe(32)`
(32 random bytes). Keys imported by an admin (a Feersum key moved over unchanged, see
`api_key_update_details`) need not follow the format; their key id is derived from their
hash, so a presented key always maps to exactly one key id.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string

KEY_PREFIX = "bbk_"
KEY_ID_CHARS = 12
SECRET_BYTES = 32
# An imported key must be at least this long (a Feersum key is a 36-character UUID).
MIN_IMPORTED_KEY_CHARS = 32
MAX_KEY_CHARS = 200

_ALPHABET = string.ascii_letters + string.digits
_KEY_ID_RE = re.compile(rf"^[A-Za-z0-9]{{{KEY_ID_CHARS}}}$")
_OUR_KEY_RE = re.compile(rf"^{KEY_PREFIX}([A-Za-z0-9]{{{KEY_ID_CHARS}}})_([A-Za-z0-9_\-]{{43,}})$")
_IMPORTABLE_RE = re.compile(r"^[A-Za-z0-9_\-.]+$")


def new_key() -> tuple[str, str]:
    """Return a fresh `(key_id, full key)`."""
    key_id = "".join(secrets.choice(_ALPHABET) for _ in range(KEY_ID_CHARS))
    return key_id, f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(SECRET_BYTES)}"


def hash_key(key: str) -> str:
    """Return the SHA-256 hex digest stored for `key`."""
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def key_id_of(key: str) -> str:
    """Return the key id a presented key is looked up by."""
    match = _OUR_KEY_RE.match(key)
    if match:
        return match.group(1)
    # Imported keys: "h" + 11 hex digits of the hash; still 12 characters of [A-Za-z0-9].
    return "h" + hash_key(key)[: KEY_ID_CHARS - 1]


def is_key_id(value: str) -> bool:
    """Return whether `value` has the shape of a key id (rather than of a whole key)."""
    return bool(_KEY_ID_RE.match(value))


def is_importable(key: str) -> bool:
    """Return whether an admin may register `key` as given (long enough, plain characters)."""
    return MIN_IMPORTED_KEY_CHARS <= len(key) <= MAX_KEY_CHARS and bool(_IMPORTABLE_RE.match(key))


def same_hash(stored_hash: str, key: str) -> bool:
    """Return whether `key` hashes to `stored_hash`, comparing in constant time."""
    return hmac.compare_digest(stored_hash.encode(), hash_key(key).encode())
