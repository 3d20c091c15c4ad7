"""uvicorn's HTTP protocol (httptools) with Nagle's algorithm off on every connection.

uvicorn writes an answer's head and body in two writes. With Nagle on, the body waits until the client
has acknowledged the head, and clients delay that acknowledgement by up to 40 ms: with two web workers
every board answer took ~44 ms (benchmarks/RESULTS.md). asyncio turns Nagle off by itself only on sockets
that say they are TCP, and the listening socket uvicorn binds for several worker processes does not
(`socket.socket(family=...)` leaves `proto` 0), so neither do the connections it accepts.
"""

from __future__ import annotations

import asyncio
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
