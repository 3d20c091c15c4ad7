"""Kernel calls refused inside the sandbox by the seccomp filter (issue #14, items 11 and 12).

One sandbox run; the model tries every socket family (each socket type, socketpair, and a family
number with junk in its upper 32 bits) and inotify/fanotify. Only AF_UNIX may open: vsock is not
isolated by the network namespace (on a VM worker it reaches the host), and inotify on the shared
read-only interpreter tree shows which files concurrent jobs open.
"""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from sandbox_helpers import MODES, requires_sandbox, sandbox_mode

from dabiwu.sandbox import Limits, run

FAMILIES = ("AF_INET", "AF_INET6", "AF_VSOCK", "AF_NETLINK", "AF_PACKET", "AF_BLUETOOTH", "AF_ALG", "AF_KEY",
            "AF_X25", "AF_CAN", "AF_TIPC", "AF_XDP", "AF_RDS", "AF_QIPCRTR", "AF_NFC", "AF_APPLETALK")


@pytest.fixture(scope="module", params=MODES)
def answers(request, tmp_path_factory, features_path) -> dict[str, str]:
    import hostile_models

    base = tmp_path_factory.mktemp("kernel-surface")
    model = hostile_models.save(base / "model", "kernel_surface")
    with sandbox_mode(request.param):
        result = run(model_dir=model, features_path=features_path, out_dir=base / "out",
                     limits=Limits(wall_seconds=120))
    return pq.read_table(result.predictions_path).to_pandas().iloc[0].to_dict()


@requires_sandbox
def test_every_socket_family_but_af_unix_is_refused(answers):
    opened = {key: value for key, value in answers.items()
              if key.startswith("socket") and not key.startswith(("socket_AF_UNIX", "socketpair_AF_UNIX"))
              and not value.startswith("DENIED:")}
    assert opened == {}, opened
    for family in FAMILIES:
        assert answers[f"socket_{family}_dgram"].startswith("DENIED:OSError:[Errno 97]"), answers[f"socket_{family}_dgram"]
        assert answers[f"socket_{family}_high_bits"].startswith("DENIED:OSError:[Errno 97]")
    # what models legitimately use (multiprocessing, joblib) still works
    assert answers["socket_AF_UNIX_stream"] == "OK:opened"
    assert answers["socket_AF_UNIX_high_bits"] == "OK:opened"
    assert answers["socketpair_AF_UNIX"] == "OK:opened"


@requires_sandbox
def test_inotify_and_fanotify_are_refused(answers):
    watchers = {key: value for key, value in answers.items() if "notify" in key}
    assert watchers, answers
    assert all(value.startswith("DENIED:") and "[Errno 1]" in value for value in watchers.values()), watchers
