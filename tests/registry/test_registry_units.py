"""Small pieces with exact answers: the folder checksum, the Wilson interval, fitting a district's table."""

from __future__ import annotations

import subprocess
import tarfile

import numpy as np
import pandas as pd
import pytest

from registry_world import COLUMNS, lead_frame

CHALLENGE = {"columns": COLUMNS, "id_column": "case_id", "label_column": "is_lead"}


@pytest.fixture(scope="module")
def model_dir(model_archive, tmp_path_factory):
    target = tmp_path_factory.mktemp("unpacked")
    with tarfile.open(model_archive) as tar:
        tar.extractall(target, filter="data")
    return target


def test_the_folder_checksum_is_the_documented_sha256sum_pipeline(model_dir):
    from models_registry.pulls import folder_sha256

    (model_dir / "registered_model_meta").write_text("written by the stock client on download\n")
    shell = subprocess.run(
        "find . -type f ! -path ./registered_model_meta -printf '%P\\0' | LC_ALL=C sort -z "
        "| xargs -0 sha256sum | sha256sum",
        shell=True, cwd=model_dir, capture_output=True, text=True, check=True,
    )
    assert folder_sha256(model_dir) == shell.stdout.split()[0]
    (model_dir / "registered_model_meta").unlink()


def test_wilson_interval_matches_the_textbook_values():
    from models_registry.outcomes import wilson_interval

    low, high = wilson_interval(40, 100)
    assert np.isclose(low, 0.3094, atol=1e-4) and np.isclose(high, 0.4980, atol=1e-4)
    assert wilson_interval(0, 0) is None


def test_a_district_table_is_fitted_to_the_signature_or_refused_naming_the_column(model_dir):
    from models_registry.leads import LeadsError, fit_to_model

    frame = lead_frame(5)
    as_text = frame.astype(str)  # what a CSV read as text gives: numbers as strings
    fitted = fit_to_model(as_text, model_dir=model_dir, challenge=CHALLENGE)
    assert "is_lead" not in fitted.columns and fitted["f0"].dtype == np.float64
    assert np.allclose(fitted["f0"], frame["f0"])

    with pytest.raises(LeadsError, match=r"'f1' \(特征1 / Feature 1\)"):
        fit_to_model(frame.drop(columns=["f1"]), model_dir=model_dir, challenge=CHALLENGE)
    garbled = frame.astype({"f2": object})
    garbled.loc[3, "f2"] = "12,5"
    with pytest.raises(LeadsError, match=r"Column 'f2' .* row 4 holds '12,5'"):
        fit_to_model(garbled, model_dir=model_dir, challenge=CHALLENGE)


def test_ranking_puts_the_best_first_and_keeps_input_order_on_ties():
    from models_registry.leads import rank

    features = pd.DataFrame({"case_id": ["a", "b", "c", "d"]})
    ranked = rank(features, np.array([0.2, 0.9, 0.2, 0.5]), id_column="case_id")
    assert ranked["id"].tolist() == ["b", "d", "a", "c"] and ranked["rank"].tolist() == [1, 2, 3, 4]
