"""The error intake raises when it refuses a model archive or an MLflow model.

`code` is a stable snake_case string that scripts and the UI may match on; `message` (= `detail`) is a sentence
for the team that says what was wrong and how to fix it, and `message_zh` (= `detail_zh`) the same in Chinese.
An IntakeError is a DabiwuError: raised during an upload it answers itself (413 for the size codes, 422 for the
others, or the status it was given), with the code also in the `X-Error-Code` header. Codes in use:

intake.py      challenge_not_open, no_team, no_dataset, quota_exhausted, archive_too_large, empty_upload
archive.py     not_an_archive, corrupt_archive, unsupported_compression, encrypted_zip, invalid_name, absolute_path,
               path_traversal, path_too_long, escaping_link, special_file, duplicate_entry,
               too_many_files, too_large_expanded, missing_mlmodel, link_to_folder, link_loop
safe_yaml.py   invalid_mlmodel (MLmodel), invalid_yaml (other YAML files)
validation.py  invalid_mlmodel, missing_pyfunc, unknown_loader_module, missing_model_file,
               model_too_large, python_version_mismatch, unsatisfiable_requirements,
               signature_mismatch
"""

from __future__ import annotations

from dabiwu.errors import DabiwuError

SIZE_CODES = ("too_large_expanded", "model_too_large", "too_many_files", "archive_too_large")


class IntakeError(DabiwuError):
    def __init__(self, code: str, message: str, message_zh: str, *, status: int | None = None) -> None:
        super().__init__(message, message_zh, code=code, status=status or (413 if code in SIZE_CODES else 422),
                         headers={"X-Error-Code": code})

    def __str__(self) -> str:
        return self.detail

    def __repr__(self) -> str:
        return f"IntakeError({self.code!r}, {self.detail!r})"

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.detail, "message_zh": self.detail_zh}


# Every intake refusal is bilingual now; the name the link and YAML checks were written with stays.
BilingualIntakeError = IntakeError
