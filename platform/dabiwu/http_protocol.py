"""uvicorn's HTTP protocol (httptools) with Nagle's algorithm off on every connection.

uvicorn writes an answer's head and body in two writes. With Nagle on, the body waits until the client
has acknowledged the head, and clients delay that acknowledgement by up to 40 ms: with two web workers
every board answer took ~44 ms (benchmarks/RESULTS.md). asyncio turns Nagle off by itself only on sockets
that say they are TCP, and the listening socket uvicorn binds for several worker processes does not
(`socket.socket(family=...)` leaves `proto` 0), so neither do the connections it accepts.

It also answers a request that is not valid HTTP (uvicorn's plain-text 400, sent before the app sees anything)
in the platform's one error shape, `{"code", "detail", "detail_zh"}`.
"""

from __future__ import annotations

import asyncio
import json
import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # the connection is already gone: uvicorn sees that next
                pass
        super().connection_made(transport)

    def send_400_response(self, msg: str) -> None:
        body = json.dumps({
            "code": "bad_http_request",
            "detail": f"The request is not valid HTTP ({msg.rstrip('.')}); send a well-formed HTTP/1.1 request.",
            "detail_zh": "请求不是有效的 HTTP 请求，请发送格式正确的 HTTP/1.1 请求。",
        }, ensure_ascii=False).encode()
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        for name, value in self.server_state.default_headers:
            head.extend([name, b": ", value, b"\r\n"])
        head.extend([b"content-type: application/json\r\n", b"content-length: " + str(len(body)).encode() + b"\r\n",
                     b"connection: close\r\n", b"\r\n"])
        self.transport.write(b"".join(head) + body)
        self.transport.close()
