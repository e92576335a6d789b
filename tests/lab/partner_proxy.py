"""The lab's HTTP proxy for the partner (tests/lab/partner.py starts it beside the partner, in
its namespace): CONNECT host:port tunnels, as a site's outbound proxy does; anything else 405.

    python3 partner_proxy.py ADDRESS PORT [NAME=ADDRESS ...]

The names given resolve as the proxy's own DNS would (the lab's names are in the hosts'
/etc/hosts, not on the machine the proxy runs on)."""

from __future__ import annotations

import asyncio
import sys

NAMES = dict(arg.split("=", 1) for arg in sys.argv[3:])


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        request = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        writer.close()  # a connection that asked nothing (the lab's readiness probe)
        return
    method, target, _ = request.split("\r\n", 1)[0].split(" ", 2)
    if method != "CONNECT":
        writer.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
        writer.close()
        return
    host, _, port = target.rpartition(":")
    try:
        up_reader, up_writer = await asyncio.open_connection(NAMES.get(host, host), int(port))
    except OSError:
        writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        writer.close()
        return
    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
    await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def main() -> None:
    server = await asyncio.start_server(handle, sys.argv[1], int(sys.argv[2]))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
