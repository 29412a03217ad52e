"""Plain HTTP against a local server, without following redirects."""

import http.client
import json
import socket
import ssl
import time


def exchange(
    port: int,
    path: str,
    *,
    host: str = "localhost",
    headers: dict | None = None,
    method: str = "GET",
    body: bytes | None = None,
    timeout: float = 30,
    source: str | None = None,
    tls: bool = False,
):
    """One request; ``source`` picks the client's loopback address (127.0.0.x).

    Returns the status, the headers as a message (repeated ones such as
    Set-Cookie kept: ``get_all``) and the body.
    """
    source_address = (source, 0) if source else None
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the tests' own self-signed certificate
        connection = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=timeout, source_address=source_address, context=context
        )
    else:
        connection = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=timeout, source_address=source_address
        )
    try:
        connection.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        response = connection.getresponse()
        data = response.read()
        return response.status, response.headers, data
    finally:
        connection.close()


def request(port: int, path: str, **kwargs):
    """exchange(), with the headers as a plain dict (one value per name)."""
    status, headers, data = exchange(port, path, **kwargs)
    return status, dict(headers.items()), data


def json_body(data: bytes):
    return json.loads(data.decode())


def wait_for(port: int, path: str, status: int = 200, timeout: float = 60, **kwargs) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = request(port, path, timeout=5, **kwargs)[0]
            if last == status:
                return
        except OSError as error:
            last = error
        time.sleep(0.25)
    raise TimeoutError(f"{path} on port {port} did not answer {status} (last: {last})")


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
