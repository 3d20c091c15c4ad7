"""The error intake raises when it refuses a model archive or an MLflow model.

`code` is a stable snake_case string that scripts and the UI may match on; `message` is a sentence
for the team that says what was wrong and how to fix it. Codes in use:

archive.py     not_an_archive, corrupt_archive, unsupported_compression, encrypted_zip, absolute_path,
               path_traversal, path_too_long, escaping_link, special_file, duplicate_entry,
               too_many_files, too_large_expanded, missing_mlmodel
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
