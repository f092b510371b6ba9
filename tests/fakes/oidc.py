"""GitHub Actions OIDC for tests: an issuer that mints RS256 ID tokens, and the Actions
token endpoint (``ACTIONS_ID_TOKEN_REQUEST_URL``) that hands them to a job."""

from __future__ import annotations

import functools
import json
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import requests
import responses
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.clock import FakeClock

ISSUER = "https://token.actions.githubusercontent.com"
TOKEN_URL = "https://pipelines.actions.fake/_apis/idtoken?api-version=2.0"
REQUEST_TOKEN = "actions-request-token-fake"


@functools.cache
def _key(slot: int) -> rsa.RSAPrivateKey:
    """RSA keys are slow to make: one per slot per test session."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class GitHubOIDC:
    """Mints GitHub-Actions-style ID tokens (claims as in NOTES §5) for one repository.

    By default as the reconcile job has them: its workflow file, and the ``jit-production``
    environment (which also sets ``sub``); ``environment=None`` for a job without one.
    """

    def __init__(
        self,
        clock: FakeClock,
        *,
        repository: str = "acme/access",
        workflow: str = "reconcile.yml",
        environment: str | None = "jit-production",
    ) -> None:
        self.clock = clock
        self.issuer = ISSUER
        self.repository = repository
        self.workflow = workflow
        self.environment = environment
        self.kid = "fake-key-1"
        self._key = _key(0)
        self.stranger_key = _key(1)  # signs tokens no JWKS knows

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def claims(self, **overrides: Any) -> dict[str, Any]:
        owner = self.repository.split("/")[0]
        now = int(self.clock.time())
        workflow_ref = f"{self.repository}/.github/workflows/{self.workflow}@refs/heads/main"
        claims: dict[str, Any] = {
            "jti": str(uuid.uuid4()),
            "sub": f"repo:{self.repository}:environment:{self.environment}"
            if self.environment
            else f"repo:{self.repository}:ref:refs/heads/main",
            "environment": self.environment,
            "aud": f"https://github.com/{owner}",
            "ref": "refs/heads/main",
            "sha": "0" * 40,
            "repository": self.repository,
            "repository_owner": owner,
            "repository_owner_id": "65",
            "repository_id": "74",
            "repository_visibility": "private",
            "actor": "jit-bot",
            "actor_id": "12",
            "run_id": "4242",
            "run_number": "10",
            "run_attempt": "1",
            "runner_environment": "github-hosted",
            "workflow": "jit",
            "workflow_ref": workflow_ref,
            "job_workflow_ref": workflow_ref,
            "head_ref": "",
            "base_ref": "",
            "event_name": "push",
            "ref_type": "branch",
            "iss": self.issuer,
            "nbf": now - 5,
            "iat": now,
            "exp": now + 300,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def mint(self, *, signed_by_stranger: bool = False, **overrides: Any) -> str:
        """A signed ID token; pass ``claim=None`` to drop a claim, or override any value."""
        key = self.stranger_key if signed_by_stranger else self._key
        return jwt.encode(
            self.claims(**overrides), key, algorithm="RS256", headers={"kid": self.kid}
        )


class ActionsTokenEndpoint:
    """``GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=...`` with the request token as Bearer."""

    def __init__(self, rsps: responses.RequestsMock, oidc: GitHubOIDC) -> None:
        self.oidc = oidc
        self.calls: list[str] = []  # audiences asked for
        #: Claim overrides for the next tokens it hands out (``None`` drops a claim).
        self.overrides: dict[str, Any] = {}
        self.signed_by_stranger = False
        self.env = {
            "ACTIONS_ID_TOKEN_REQUEST_URL": TOKEN_URL,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
        }
        url = re.compile(re.escape(TOKEN_URL.split("?")[0]) + r".*")
        rsps.add_callback("GET", url, callback=self._serve)

    def _serve(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        if request.headers.get("Authorization") != f"Bearer {REQUEST_TOKEN}":
            return 401, {}, json.dumps({"message": "Unauthorized"})
        query = parse_qs(urlsplit(str(request.url)).query)
        audience = query.get("audience", [None])[0]
        self.calls.append(audience or "")
        overrides = {"aud": audience} if audience else {}
        overrides.update(self.overrides)
        token = self.oidc.mint(signed_by_stranger=self.signed_by_stranger, **overrides)
        body = {"count": 1, "value": token}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)
