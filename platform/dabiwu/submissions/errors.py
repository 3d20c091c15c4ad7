"""The error intake raises when it refuses a model archive or an MLflow model.

`code` is a stable snake_case string that scripts and the UI may match on; `message` is a sentence
for the team that says what was wrong and how to fix it. Codes in use:

archive.py     not_an_archive, corrupt_archive, unsupported_compression, encrypted_zip, absolute_path,
               path_traversal, path_too_long, escaping_link, special_file, duplicate_entry,
               too_many_files, too_large_expanded, missing_mlmodel, link_to_folder, link_loop
safe_yaml.py   invalid_mlmodel (MLmodel), invalid_yaml (other YAML files)
validation.py  invalid_mlmodel, missing_pyfunc, unknown_loader_module, missing_model_file,
               model_too_large, python_version_mismatch, unsatisfiable_requirements,
               signature_mismatch
"""

from __future__ import annotations


class IntakeError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"IntakeError({self.code!r}, {self.message!r})"

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


from dabiwu.errors import DabiwuError  # noqa: E402 - kept below IntakeError, which older callers import alone


class BilingualIntakeError(IntakeError, DabiwuError):
    """An intake refusal in English and Chinese: caught as an IntakeError where intake errors are
    (promotion, tests), and answered by the DabiwuError handler as `{"code", "detail", "detail_zh"}`."""

    status = 422

    def __init__(self, code: str, message: str, message_zh: str, *, status: int | None = None) -> None:
        DabiwuError.__init__(self, message, message_zh, code=code, status=status, headers={"X-Error-Code": code})
        self.message = message
        self.message_zh = message_zh
