"""Issue #14, item 5: the predictions Parquet is written by the model (inside the sandbox) and read by the
trusted worker, so its footer is checked before any data is read.

The review's file declared 6.4e9 rows in 38 kB and made the worker decode 51 GB; pyarrow's read_table on
the file made here asks for a 16 GB buffer at once. read_predictions must refuse it from the footer
as the team's error (BadOutput), with the memory pool untouched. It runs in a child process under a
2 GB address-space limit, so that the old behaviour fails the test instead of the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.security.lying_parquet import declare_rows

REPO = Path(__file__).resolve().parents[2]
N_ROWS = 2000

READ_IN_A_CHILD = textwrap.dedent("""
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
    import pyarrow as pa
    from dabiwu.scoring.output import BadOutput, read_predictions
    try:
        scores = read_predictions(sys.argv[1], n_rows=int(sys.argv[2]))
        out = {"rows": len(scores)}
    except BadOutput as exc:
        out = {"rule": exc.rule, "en": exc.message_en, "zh": exc.message_zh}
    out["pool_max_bytes"] = pa.default_memory_pool().max_memory()
    print(json.dumps(out))
""")


def _read_in_a_child(path: Path, n_rows: int) -> dict:
    done = subprocess.run([sys.executable, "-c", READ_IN_A_CHILD, str(path), str(n_rows)], capture_output=True,
                          text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_footer_declaring_billions_of_rows_is_refused_without_reading_data(tmp_path):
    path = tmp_path / "predictions.parquet"
    pq.write_table(pa.table({"score": np.random.default_rng(0).random(N_ROWS)}), path)
    declare_rows(path, 6_400_000_000)
    assert path.stat().st_size < 64 * 1024 and pq.ParquetFile(path).metadata.num_rows == 6_400_000_000

    answer = _read_in_a_child(path, N_ROWS)
    assert answer.get("rule") == "wrong_length", answer
    assert "6400000000" in answer["en"] and "6400000000" in answer["zh"]
    assert answer["pool_max_bytes"] < 1024 * 1024, answer  # nothing was decoded

    honest = tmp_path / "honest.parquet"
    pq.write_table(pa.table({"score": np.random.default_rng(0).random(N_ROWS)}), honest)
    assert _read_in_a_child(honest, N_ROWS)["rows"] == N_ROWS


def test_footer_checks_refuse_wide_oversized_or_mistyped_output_as_the_teams_error(tmp_path):
    from dabiwu.scoring.output import BadOutput, read_predictions

    def refused(table_or_bytes, **limits) -> BadOutput:
        path = tmp_path / "p.parquet"
        if isinstance(table_or_bytes, bytes):
            path.write_bytes(table_or_bytes)
        else:
            pq.write_table(table_or_bytes, path)
        with pytest.raises(BadOutput) as err:
            read_predictions(path, n_rows=10, **limits)
        assert err.value.message_zh
        return err.value

    wide = pa.table({f"c{i}": np.zeros(10) for i in range(40)} | {"score": np.zeros(10)})
    assert refused(wide, max_columns=16).rule == "too_many_columns"
    metadata = pa.table({"score": np.zeros(10)}).replace_schema_metadata({"junk": "x" * 200_000})
    assert refused(metadata, max_footer_bytes=64 * 1024).rule == "too_much_metadata"
    assert refused(pa.table({"score": ["0.5"] * 10})).rule == "not_numeric"
    assert refused(b"PAR1" + b"\x00" * 20 + b"PAR1").rule == "unreadable_output"
    # The file's total is honest but its row group declares billions.
    groups = tmp_path / "groups.parquet"
    pq.write_table(pa.table({"score": np.zeros(10)}), groups)
    declare_rows(groups, 6_400_000_000, file_total=False)
    assert pq.ParquetFile(groups).metadata.num_rows == 10
    assert refused(groups.read_bytes()).rule == "wrong_length"
