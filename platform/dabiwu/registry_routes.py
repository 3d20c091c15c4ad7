"""Which MLflow routes the /mlflow guard lets through: an allow-list of exact (method, route) pairs.

The guard used to pass every GET and every POST whose path ended in `/search`. MLflow's multipart
upload routes take a path parameter, so `POST .../mlflow-artifacts/mpu/create/<dir>/search` passed
too, and a district wrote a file into the champion's folder (issue #14). Now a request passes only
if its method and path are one of the read-only routes below, matched exactly (a route with a path
parameter matches only its own prefix, and only for GET). Anything else, including every route a
newer MLflow adds, is refused until it is listed here on purpose.

Templates are written as MLflow declares them (FastAPI `{name:path}` or Flask `<path:name>`), so that
tests/registry/test_registry_hardening.py can check every route of the mounted app against this list.
"""

from __future__ import annotations

import re
from functools import lru_cache

ARTIFACT_DOWNLOAD = "/api/2.0/mlflow-artifacts/artifacts/{artifact_path:path}"
ARTIFACT_LIST = "/api/2.0/mlflow-artifacts/artifacts"
VERSION_GET = "/api/2.0/mlflow/model-versions/get"
VERSION_DOWNLOAD_URI = "/api/2.0/mlflow/model-versions/get-download-uri"

# (method, route): what the stock client needs to find and download a registered model, and read-only
# searches and gets for browsing the registry. HEAD is allowed wherever GET is.
ALLOWED_ROUTES: frozenset[tuple[str, str]] = frozenset({
    ("GET", "/api/3.0/mlflow/server-info"),
    ("GET", "/api/2.0/mlflow/registered-models/get"),
    ("GET", "/api/2.0/mlflow/registered-models/alias"),
    ("GET", "/api/2.0/mlflow/registered-models/search"),
    ("GET", "/api/2.0/mlflow/registered-models/get-latest-versions"),
    ("POST", "/api/2.0/mlflow/registered-models/get-latest-versions"),
    ("GET", VERSION_GET),
    ("GET", VERSION_DOWNLOAD_URI),
    ("GET", "/api/2.0/mlflow/model-versions/search"),
    ("GET", "/api/2.0/mlflow/experiments/get"),
    ("GET", "/api/2.0/mlflow/experiments/get-by-name"),
    ("GET", "/api/2.0/mlflow/experiments/search"),
    ("POST", "/api/2.0/mlflow/experiments/search"),
    ("GET", "/api/2.0/mlflow/runs/get"),
    ("POST", "/api/2.0/mlflow/runs/search"),
    ("GET", ARTIFACT_LIST),
    ("GET", ARTIFACT_DOWNLOAD),
})

_PARAM = re.compile(r"\{(\w+):path\}|<path:(\w+)>|\{(\w+)\}|<(?:\w+:)?(\w+)>")


def _pattern(template: str) -> re.Pattern[str]:
    out, last = [], 0
    for match in _PARAM.finditer(template):
        out.append(re.escape(template[last:match.start()]))
        out.append("(.+)" if (match.group(1) or match.group(2)) else "([^/]+)")
        last = match.end()
    out.append(re.escape(template[last:]))
    return re.compile("^" + "".join(out) + "$")


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    return tuple((method, template, _pattern(template)) for method, template in sorted(ALLOWED_ROUTES))


def allowed_route(method: str, path: str) -> tuple[str, str] | None:
    """The allowed (method, route template) that `method path` is, or None (refuse it).

    Exact routes are compared as strings; the one templated route (artifact downloads) is a GET under
    its own prefix, and no write route of MLflow shares that prefix for GET."""
    method = "GET" if method == "HEAD" else method
    for allowed_method, template, pattern in _compiled():
        if allowed_method == method and pattern.match(path):
            return allowed_method, template
    return None


def path_params(template: str, path: str) -> tuple[str, ...]:
    match = _pattern(template).match(path)
    return tuple(match.groups()) if match else ()


def mlflow_route_table(app) -> list[tuple[str, str]]:
    """Every (method, route) the mounted MLflow app answers: its FastAPI routes (included routers
    expanded) and the Flask app's url_map it mounts at '/'. For tests; the guard never needs it."""
    from mlflow.server import app as flask_app

    found: set[tuple[str, str]] = set()

    def walk(routes) -> None:
        for route in routes:
            candidates = getattr(route, "effective_candidates", None)
            if candidates is not None:
                walk(candidates() if callable(candidates) else candidates)
                continue
            inner = getattr(route, "routes", None)
            if inner and not hasattr(route, "endpoint"):
                walk(inner)
                continue
            path = getattr(route, "path", None)
            for method in getattr(route, "methods", None) or ():
                if path and method not in ("HEAD", "OPTIONS"):
                    found.add((method, path))

    walk(app.routes)
    for rule in flask_app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((method, rule.rule))
    return sorted(found)
