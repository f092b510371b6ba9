"""OpenID Connect issuers on 127.0.0.1 for the guide's replay on a real OpenBao, which fetches an
issuer's discovery document and keys when the guide writes ``auth/<mount>/config``:

- ``actions``: stands in for GitHub Actions (``https://token.actions.githubusercontent.com``);
  the test signs the ID tokens itself (``GitHubOIDC`` with this issuer) and logs in with them.
- ``dex``: stands in for the OpenID Connect provider of the guide's OpenBao route for
  ``vault-group`` (``https://dex.example.com``): it also has a token endpoint, which hands
  OpenBao the ID token that :meth:`Issuers.authorize` signed for a code, as the browser step of
  ``bao login -method=oidc`` would have it.

One RSA key signs for both; each issuer lives under its own path.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

NAMES = ("actions", "dex")
KID = "replay-key-1"


class Issuers:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._codes: dict[str, str] = {}  # authorization code -> the ID token it buys
        self.exchanged: list[str] = []  # codes OpenBao redeemed at the token endpoint

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": KID, "use": "sig", "alg": "RS256"}]}

    def discovery(self, name: str) -> dict[str, Any]:
        issuer = self.url(name)
        return {
            "issuer": issuer,
            "jwks_uri": f"{issuer}/keys",
            "authorization_endpoint": f"{issuer}/auth",
            "token_endpoint": f"{issuer}/token",
            "response_types_supported": ["code", "id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KID})

    def authorize(self, audience: str, nonce: str, **claims: Any) -> str:
        """Sign in at ``dex`` (the browser step): a code for an ID token with ``claims``."""
        now = int(time.time())
        token = self.sign(
            {
                "iss": self.url("dex"),
                "aud": audience,
                "nonce": nonce,
                "iat": now,
                "exp": now + 300,
                **claims,
            }
        )
        code = secrets.token_urlsafe(16)
        self._codes[code] = token
        return code

    def redeem(self, code: str) -> str | None:
        self.exchanged.append(code)
        return self._codes.pop(code, None)


def _handler(issuers: Issuers) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            name, _, rest = self.path.strip("/").partition("/")
            if name in NAMES and rest == ".well-known/openid-configuration":
                self._send(200, issuers.discovery(name))
            elif name in NAMES and rest == "keys":
                self._send(200, issuers.jwks())
            else:
                self._send(404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            token = None
            if self.path == "/dex/token" and form.get("grant_type") == ["authorization_code"]:
                token = issuers.redeem(form.get("code", [""])[0])
            if token is None:
                self._send(400, {"error": "invalid_grant"})
                return
            self._send(
                200,
                {
                    "access_token": secrets.token_urlsafe(16),
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": token,
                },
            )

    return Handler


@contextmanager
def serve() -> Iterator[Issuers]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    issuers = Issuers(server.server_address[1])
    server.RequestHandlerClass = _handler(issuers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield issuers
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
