"""Building blocks of the API's response schemas (CONTRIBUTING.md: "API types are generated, not written").

A response field whose shape is known is a pydantic model, so the OpenAPI document describes it and the web UI's
types are generated from it.  Some of those shapes are stored JSON documents (a score's metrics, a listing's gate
report, a submission's model_info) whose optional parts are present in some rows and absent in others; the API has
always sent such a document as stored.  `Sparse` types it without changing what is sent:

- a field without a default is required, and always sent;
- a field with a default is optional: sent when the stored document has it (even as null), left out when it does
  not (never filled in with its default).  The OpenAPI document marks it optional, so the generated TypeScript
  says `field?: ...` and the UI handles its absence.  Declare it `name: T = None` when the writer never stores
  null there (None is then only what Python reads for "absent"; TypeScript gets `name?: T`), and
  `name: T | None = None` when null is a stored value too.

A truly free-form object (its keys depend on the action or event that wrote it) is `FreeForm`: JSON values under
string keys, with a description saying why.  tests/api/test_openapi_typed.py fails on any other untyped object in a
response, and lists the free-form ones it allows, each with its reason.
"""

from __future__ import annotations

from pydantic import BaseModel, JsonValue, SerializerFunctionWrapHandler, model_serializer

FreeForm = dict[str, JsonValue]


class Sparse(BaseModel):
    """A stored document, typed: the optional fields it lacks stay absent from the answer (module doc)."""

    # No return annotation: pydantic would take it as the answer's schema, and the fields' would be lost.
    @model_serializer(mode="wrap")
    def _leave_out_absent(self, handler: SerializerFunctionWrapHandler):  # noqa: ANN202
        data = handler(self)
        if not isinstance(data, dict):
            return data
        present = self.model_fields_set | set(self.__pydantic_extra__ or ())
        return {key: value for key, value in data.items() if key in present}
