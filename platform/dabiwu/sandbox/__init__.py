"""The sandbox that runs untrusted MLflow models: bubblewrap, else unshare; rlimits; wall-clock timeout.

Public API (the scoring worker and `dabiwu leads run` call these):
- ``run(model_dir=, features_path=, out_dir=, limits=, kind=None, settings=None) -> SandboxResult``
  (``settings``: the caller's own; its state folder is hidden from the model, its DABIWU_SANDBOX is the default kind)
- ``detect_sandbox(preference="auto") -> "bwrap" | "unshare" | "none"``
- ``prewarm(limits=None, kind=None, settings=None, mode=None)``: keep a fork-server (``mode`` "fork", the default of
  DABIWU_SANDBOX_MODE) or one pre-started sandbox ("prestarted") with the imports done for the next runs;
  ``shutdown_warm()`` kills them
- ``Limits``, ``SandboxResult``, ``SandboxError`` (``kind``, ``message``, ``log_tail``)

Design, threat model and measured costs: DESIGN.md next to this file.
"""

from dabiwu.sandbox.detect import detect_sandbox
from dabiwu.sandbox.errors import SandboxError
from dabiwu.sandbox.limits import Limits, SandboxResult
from dabiwu.sandbox.runner import run
from dabiwu.sandbox.warm import prewarm
from dabiwu.sandbox.warm import shutdown as shutdown_warm

__all__ = ["Limits", "SandboxError", "SandboxResult", "detect_sandbox", "prewarm", "run", "shutdown_warm"]
