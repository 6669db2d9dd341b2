"""A raw HTTP/1.1 client: sends exactly the bytes it is given (paths with raw or broken
percent-encodings, control characters, any header), one connection per request."""

from __future__ import annotations

import http.client
import json
import socket
from dataclasses import dataclass


@dataclass
class Request:
    method: str
    target: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes | None = None

    def describe(self, limit: int = 600) -> str:
        """The request as one would retype it: method, target, headers and (cut) body."""
        lines = [f"{self.method} {visible(self.target)}"]
        for name, value in self.headers:
            lines.append(f"  {name.decode('latin-1')}: {visible(value)[:200]}")
        if self.body is not None:
            text = visible(self.body)
            shown = text if len(text) <= limit else f"{text[:limit]}… ({len(self.body)} bytes)"
            lines.append(f"  body: {shown}")
        return "\n".join(lines)


def visible(data: bytes) -> str:
    """UTF-8 text with control characters and undecodable bytes escaped."""
    text = data.decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode() for c in text)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)

    def text(self, limit: int = 400) -> str:
        text = self.body.decode("utf-8", "backslashreplace")
        return text if len(text) <= limit else text[:limit] + "…"


class NoResponse(Exception):
    """The connection failed or closed before a complete response arrived."""


def send(port: int, request: Request, timeout: float = 20.0) -> Response:
    head = [request.method.encode() + b" " + request.target + b" HTTP/1.1", f"Host: 127.0.0.1:{port}".encode()]
    names = {name.lower() for name, _ in request.headers}
    for name, value in request.headers:
        head.append(name + b": " + value)
    if request.body is not None and b"content-length" not in names:
        head.append(f"Content-Length: {len(request.body)}".encode())
    head.append(b"Connection: close")
    payload = b"\r\n".join(head) + b"\r\n\r\n" + (request.body or b"")
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    except OSError as error:
        raise NoResponse(f"cannot connect: {error}") from error
    try:
        try:
            sock.sendall(payload)
        except OSError:
            pass  # the server may answer (413) and close before reading a large body: read what it said
        response = http.client.HTTPResponse(sock, method=request.method)
        try:
            response.begin()
            body = response.read()
        except (OSError, http.client.HTTPException) as error:
            raise NoResponse(f"{type(error).__name__}: {error}") from error
        return Response(status=response.status, headers={k.lower(): v for k, v in response.getheaders()}, body=body)
    finally:
        sock.close()


def get(port: int, path: str, timeout: float = 20.0) -> Response:
    return send(port, Request("GET", path.encode(), []), timeout=timeout)


def post_json(port: int, path: str, document, headers: list[tuple[bytes, bytes]] | None = None) -> Response:
    body = json.dumps(document).encode()
    return send(port, Request("POST", path.encode(), [(b"Content-Type", b"application/json")] + (headers or []), body))
