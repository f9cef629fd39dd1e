"""Password hashes: one method at a fixed, documented cost, and the same work for every sign-in."""

import functools
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

# scrypt with N=2**15, r=8, p=1 (32 MiB of memory, about 0.1 s of one core here): Werkzeug 3's
# default, written out so that a library upgrade cannot change the cost unnoticed. Lowering it to
# make a sign-in surge faster would make stolen hashes cheaper to crack: do not.
METHOD = "scrypt:32768:8:1"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=METHOD)


def needs_rehash(stored_hash: str) -> bool:
    """Whether a hash was made another way (an older method or cost): checking it takes a
    different time from the dummy check, so it is replaced at the next right sign-in."""
    return not stored_hash.startswith(METHOD + "$")


def verify(stored_hash: str | None, password: str) -> bool:
    """Whether the password matches; with no stored hash, one check against a dummy hash of the
    same cost, so the time taken does not tell anyone which accounts exist."""
    if stored_hash is None:
        check_password_hash(_dummy_hash(METHOD), password)
        return False
    return check_password_hash(stored_hash, password)


@functools.cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


# Made now, so the first unknown email a process sees costs one check like every other sign-in,
# not the making of this hash as well.
_dummy_hash(METHOD)
