"""Password hashes: argon2id at argon2-cffi's default cost (RFC 9106's second recommendation: 64 MiB, 3 passes)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

DEFAULT_COST = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}

_hasher = PasswordHasher(**DEFAULT_COST)

# A real hash to verify against when the user does not exist, so that a wrong username and a
# wrong password take the same time and give the same answer.
_DUMMY_HASH = _hasher.hash("dabiwu-timing-equaliser")


def set_hashing_cost(*, time_cost: int, memory_cost: int, parallelism: int) -> None:
    """Hash (and equalise timing) at another cost from now on, in this process.  Only the test suite calls it, to
    make its thousands of in-process sign-ins cheap; a server always runs at DEFAULT_COST, and a stored hash is
    verified at the cost written in it either way."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    _DUMMY_HASH = _hasher.hash("dabiwu-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
