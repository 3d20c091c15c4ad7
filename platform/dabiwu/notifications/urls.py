"""Which URLs a webhook may call: http(s) to a host on DABIWU_WEBHOOK_ALLOWED_HOSTS, nothing else.

Checked when an admin saves a webhook and again before every delivery (the setting may have changed).
A host name must be listed exactly; an address must fall in a listed network. No credentials in the
URL; redirects are never followed (dispatcher.py), so an allowed host cannot bounce a delivery on."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from dabiwu.errors import DabiwuError

MAX_URL_LENGTH = 2048


def _allowed(setting: str) -> tuple[set[str], list[ipaddress._BaseNetwork]]:
    names, networks = set(), []
    for part in (p.strip() for p in setting.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            names.add(part.lower().rstrip("."))
    return names, networks


def _refuse(url: str, why: str, why_zh: str) -> DabiwuError:
    return DabiwuError(f"The webhook URL {url[:200]!r} is refused: {why}", f"Webhook 地址 {url[:200]!r} 被拒绝：{why_zh}",
                       code="webhook_url_refused", status=422)


def check_url(url: str, *, allowed_hosts: str) -> str:
    """The URL if it may be called; else a 422 `webhook_url_refused` saying why."""
    if len(url) > MAX_URL_LENGTH:
        raise _refuse(url, f"it is longer than {MAX_URL_LENGTH} characters.", f"长度超过 {MAX_URL_LENGTH} 个字符。")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refuse(url, "use an http:// or https:// URL with a host.", "请使用带主机名的 http:// 或 https:// 地址。")
    if parts.username or parts.password:
        raise _refuse(url, "it must not carry a user name or password.", "地址中不能包含用户名或密码。")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise _refuse(url, "its port is not a number.", "端口不是数字。") from None
    host = parts.hostname.lower().rstrip(".")
    names, networks = _allowed(allowed_hosts)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and any(address in network for network in networks):
        return url
    if address is None and host in names:
        return url
    raise _refuse(url, f"the host {host} is not on DABIWU_WEBHOOK_ALLOWED_HOSTS ({allowed_hosts}); ask the operator "
                       "to add it.",
                  f"主机 {host} 不在 DABIWU_WEBHOOK_ALLOWED_HOSTS（{allowed_hosts}）中；请联系运维人员添加。")
