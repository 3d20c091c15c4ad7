"""The one error shape, checked on every error answer the API tests see.

`watch(client)` hooks a TestClient: any 4xx/5xx JSON answer outside /mlflow (which keeps MLflow's own
`error_code`/`message` shape for the stock client) must carry a non-empty snake_case `code`, an English
`detail` sentence and a `detail_zh` sentence with Chinese characters in it. The `client` fixtures use it, so
every error path an API test reaches is checked, not only the ones tests/api/test_errors.py walks.
"""

from __future__ import annotations

import re

import httpx

CJK = re.compile(r"[\u4e00-\u9fff]")
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


def shape_problems(response: httpx.Response) -> list[str]:
    """What is wrong with this error answer's body (empty when it has the one shape)."""
    where = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    if not response.headers.get("content-type", "").startswith("application/json"):
        return [f"{where}: not JSON ({response.headers.get('content-type')!r})"]
    try:
        body = response.json()
    except ValueError:
        return [f"{where}: the body is not valid JSON: {response.text[:200]!r}"]
    if not isinstance(body, dict):
        return [f"{where}: the body is not an object: {body!r:.200}"]
    problems = []
    code, detail, detail_zh = body.get("code"), body.get("detail"), body.get("detail_zh")
    if not isinstance(code, str) or not SNAKE.match(code):
        problems.append(f"{where}: code {code!r} is not a snake_case string")
    if not isinstance(detail, str) or not detail.strip():
        problems.append(f"{where}: detail {detail!r:.200} is not a sentence")
    if not isinstance(detail_zh, str) or not CJK.search(detail_zh):
        problems.append(f"{where}: detail_zh {detail_zh!r:.200} has no Chinese in it")
    return problems


def check_error_shape(response: httpx.Response) -> None:
    request = response.request
    if response.status_code < 400 or request.method == "HEAD" or request.url.path.startswith("/mlflow"):
        return  # a HEAD answer has no body; /mlflow keeps MLflow's own shape
    response.read()
    problems = shape_problems(response)
    assert not problems, "; ".join(problems)


def watch(client) -> None:
    hooks = client.event_hooks
    hooks["response"] = [*hooks.get("response", []), check_error_shape]
    client.event_hooks = hooks
