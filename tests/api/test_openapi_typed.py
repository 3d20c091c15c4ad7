"""Every answer the API documents is typed all the way down (CONTRIBUTING.md: "API types are generated, not written").

The web UI's types are generated from the app's OpenAPI document (frontend/src/api/schema.d.ts).  A response field
typed `dict`, `dict[str, Any]`, `list[dict]` or `Any` reaches the UI as `{[key: string]: unknown}` or `unknown`, and
the UI then describes it by hand, which is what the rule forbids.  This walks every response schema of every path,
through each `$ref`, and fails on each place left untyped: a value with no schema at all (`{}`), an object with no
properties whose other keys are anything (`additionalProperties` true, absent or `{}`), an array of anything.

A few objects are free-form by nature: their keys depend on who wrote them.  Each is in FREE_FORM with the reason;
the model says so too (`dabiwu.schema_types.FreeForm` with a Field description).  A new entry needs the same.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from dabiwu.openapi_dump import openapi_document
from dabiwu.schema_types import FreeForm

# where (component.property, with [] for a list's items and {} for a map's values) -> why it may stay open
FREE_FORM: dict[str, str] = {
    "AuditEventOut.detail": "each audited action records its own facts (audit.service.record's callers), so the keys "
                            "depend on the action; the audit page shows them as key: value",
    "ModelSignature.inputs[]": "an MLflow column or tensor spec as the team's MLmodel states it (MLflow's format, which "
                               "varies by spec type and MLflow version), not one of ours",
    "ModelSignature.outputs": "MLflow's output schema as the team's MLmodel states it (any JSON MLflow wrote)",
    "ModelSignature.params": "MLflow's parameter schema as the team's MLmodel states it (any JSON MLflow wrote)",
    "ValidationError.ctx": "pydantic's context of a validation error: its keys depend on the check that failed",
    "ValidationError.input": "the value the client sent that failed validation, whatever it was",
}

_METADATA = {"title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly"}


def _untyped(schema: Any, components: dict) -> str | None:
    """Why `schema` leaves its value untyped, or None if it types it."""
    if schema is True:
        return "any value"
    schema = _resolved(schema, components)
    if not set(schema) - _METADATA:
        return "any value"
    if schema.get("type") == "object" and not schema.get("properties") and "patternProperties" not in schema:
        values = schema.get("additionalProperties", True)
        if values is True or (isinstance(values, dict) and not set(_resolved(values, components)) - _METADATA):
            return "an object of anything"
    if schema.get("type") == "array" and "prefixItems" not in schema:  # a tuple lists its items' types instead
        items = schema.get("items", True)
        if items is True or (isinstance(items, dict) and not set(_resolved(items, components)) - _METADATA):
            return "an array of anything"
    return None


def _resolved(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def untyped_places(document: dict) -> dict[str, str]:
    """{where: why} for every untyped place in the document's response schemas."""
    components = document.get("components", {}).get("schemas", {})
    found: dict[str, str] = {}
    walked: set[str] = set()

    def walk(schema: Any, where: str) -> None:
        if not isinstance(schema, dict):
            if schema is True:
                found[where] = "any value"
            return
        why = _untyped(schema, components)
        if why:
            found[where] = why
            return
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in walked:
                walked.add(name)
                walk(components[name], name)
            return
        for name, part in (schema.get("properties") or {}).items():
            walk(part, f"{where}.{name}")
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            for part in schema.get(key) or []:
                walk(part, where)
        if "items" in schema:
            walk(schema["items"], f"{where}[]")
        if isinstance(schema.get("additionalProperties"), dict):
            walk(schema["additionalProperties"], f"{where}{{}}")

    for path, operations in sorted(document.get("paths", {}).items()):
        for method, operation in sorted(operations.items()):
            for status, response in sorted((operation.get("responses") or {}).items()):
                for media, content in sorted((response.get("content") or {}).items()):
                    if "schema" in content:
                        walk(content["schema"], f"{method.upper()} {path} {status} {media}")
    return found


@pytest.fixture(scope="module")
def document() -> dict:
    return openapi_document()


def test_every_response_schema_is_typed(document):
    found = untyped_places(document)
    loose = {where: why for where, why in found.items() if where not in FREE_FORM}
    assert not loose, (
        "These parts of API answers are untyped, so the UI's generated types say `unknown` there. Give each a "
        "pydantic model (a stored document whose optional parts may be absent: dabiwu.schema_types.Sparse); only a "
        "truly free-form object may be FreeForm, with a Field description and an entry in FREE_FORM here:\n"
        + "\n".join(f"  {where}: {why}" for where, why in sorted(loose.items())))


def test_every_free_form_entry_is_still_free_form(document):
    """An entry whose field became typed (or went away) leaves the list, so the list stays the truth."""
    stale = sorted(set(FREE_FORM) - set(untyped_places(document)))
    assert not stale, f"FREE_FORM names places that are typed now or gone; remove them: {stale}"


def test_the_walk_finds_an_untyped_field():
    """The check itself: `foo: dict` (and its relatives) in a response model is found; typed maps are not."""

    class Part(BaseModel):
        count: int

    class Answer(BaseModel):
        foo: dict
        anything: Any
        rows: list[dict[str, Any]]
        maybe: dict | None = None
        open_map: FreeForm
        counts: dict[str, int]
        parts: dict[str, Part]
        nested: list[Part]
        pair: tuple[float, float]

    app = FastAPI()

    @app.get("/answer", response_model=Answer)
    def answer() -> Answer:  # pragma: no cover - only documented
        raise NotImplementedError

    @app.get("/loose")
    def loose() -> dict:  # pragma: no cover - only documented
        raise NotImplementedError

    found = untyped_places(app.openapi())
    assert set(found) == {"Answer.foo", "Answer.anything", "Answer.rows[]", "Answer.maybe", "Answer.open_map",
                          "GET /loose 200 application/json"}, found
