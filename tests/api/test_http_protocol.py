"""`dabiwu serve` turns Nagle's algorithm off on every connection, also behind a socket uvicorn binds itself."""

from __future__ import annotations

import asyncio
import json
import socket
import threading


def test_connections_accepted_from_a_proto_0_socket_get_tcp_nodelay():
    import uvicorn

    from dabiwu.http_protocol import NoDelayHttpToolsProtocol

    async def app(scope, receive, send):  # never called: no request is sent
        raise AssertionError("no request expected")

    server = uvicorn.Server(uvicorn.Config(app=app, loop="asyncio", http=NoDelayHttpToolsProtocol, lifespan="off",
                                           log_config=None))
    seen: list[int] = []
    answers: list[bytes] = []

    async def main() -> None:
        listener = socket.socket(family=socket.AF_INET)  # as uvicorn binds for several web workers: proto 0
        assert listener.proto == 0
        listener.bind(("127.0.0.1", 0))
        serving = asyncio.create_task(server.serve(sockets=[listener]))
        try:
            while not server.started:
                await asyncio.sleep(0.01)
            _, writer = await asyncio.open_connection(*listener.getsockname())
            while not server.server_state.connections:
                await asyncio.sleep(0.01)
            (protocol,) = server.server_state.connections
            seen.append(protocol.transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()
            # Not HTTP at all: refused before the app, in the platform's error shape.
            reader, writer = await asyncio.open_connection(*listener.getsockname())
            writer.write(b"THIS IS NOT HTTP\r\n\r\n")
            answers.append(await asyncio.wait_for(reader.read(), 10))
            writer.close()
        finally:
            server.should_exit = True
            await asyncio.wait_for(serving, 30)

    # On a thread of its own: another test (Playwright's sync API) may hold this thread's event loop.
    runner = threading.Thread(target=lambda: asyncio.run(asyncio.wait_for(main(), 60)))
    runner.start()
    runner.join(timeout=90)
    assert seen and seen[0] != 0
    head, _, body = answers[0].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"content-type: application/json" in head
    refused = json.loads(body)
    assert refused["code"] == "bad_http_request" and "HTTP" in refused["detail"] and "请求" in refused["detail_zh"]
