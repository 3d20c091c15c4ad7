"""The one exception the sandbox raises, with a kind the scoring worker can branch on."""

from __future__ import annotations

from typing import Literal

SandboxErrorKind = Literal["load_crash", "predict_crash", "timeout", "oom", "output_too_large", "unavailable"]


class SandboxError(Exception):
    """A sandboxed run that did not produce predictions.

    ``kind`` "unavailable" is the platform's problem (no sandbox, a broken install, unreadable
    features): retry or page the operator. Every other kind is the model's, and ``message`` says what
    the team should change.
    """

    def __init__(self, *, kind: SandboxErrorKind, message: str, log_tail: str = "", message_zh: str = "") -> None:
        super().__init__(message)
        self.kind: SandboxErrorKind = kind
        self.message = message
        self.message_zh = message_zh  # the same sentence in Chinese, for the team (empty: none was written)
        self.log_tail = log_tail

    def __repr__(self) -> str:
        return f"SandboxError(kind={self.kind!r}, message={self.message!r})"
