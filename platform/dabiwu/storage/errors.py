"""Errors raised by every ObjectStore implementation, so callers never catch backend types."""

from __future__ import annotations


class StoreUnavailable(Exception):
    """The backend cannot be reached or used (S3 down, bucket missing, disk full...).

    The API answers 503 for it: the request was fine, the platform is not.
    """


class ObjectNotFound(KeyError):
    """No object under that key."""

    def __str__(self) -> str:  # KeyError's repr-quoting makes messages unreadable
        return str(self.args[0]) if self.args else "object not found"


class ObjectTooLarge(ValueError):
    """A put exceeded its max_bytes; nothing was stored."""
