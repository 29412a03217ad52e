"""HTTP as one client of the service sees it: its own cookies (kept by
hand, so that the Secure ones also go to a loopback URL that stands in for
the proxy), an API token or a CSRF token when it has one, JSON bodies."""

import json
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import Morsel, SimpleCookie


@dataclass
class Answer:
    status: int
    headers: Message
    body: bytes

    def json(self):
        """The body as JSON; None when it is empty or not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the self-signed certificate made for the rehearsal
    return context


@dataclass
class Client:
    base: str
    headers: dict[str, str] = field(default_factory=dict)
    token: str = ""
    csrf_token: str = ""
    cookies: dict[str, str] = field(default_factory=dict)
    # The attributes of each cookie as last set, to check them.
    set_cookies: dict[str, Morsel] = field(default_factory=dict)

    def request(
        self, method: str, path: str, body: object = None, headers: dict | None = None
    ) -> Answer:
        """Any status is an answer, never an exception; every call is bounded."""
        sent = {"Accept": "application/json", **self.headers, **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        if self.token:
            sent["Authorization"] = f"Token {self.token}"
        if self.csrf_token and method not in ("GET", "HEAD", "OPTIONS"):
            sent["X-CSRFToken"] = self.csrf_token
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        request = urllib.request.Request(  # noqa: S310 (URLs this script builds)
            self.base + path, data=data, headers=sent, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=30, context=_tls_context()) as response:  # noqa: S310
                answer = Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            answer = Answer(error.code, error.headers, error.read())
        self._keep_cookies(answer.headers)
        return answer

    def _keep_cookies(self, headers: Message) -> None:
        for header in headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.set_cookies[name] = morsel
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, body: object = None) -> Answer:
        return self.request("POST", path, body)

    def patch(self, path: str, body: object) -> Answer:
        return self.request("PATCH", path, body)

    def delete(self, path: str) -> Answer:
        return self.request("DELETE", path)
