"""Talking to Vault: log in (``connect``) and make calls with bounded retries (``VaultHttp``).

hvac is used as the transport only (its adapter adds the Vault headers); every call goes
through ``VaultHttp.call``, which retries what is safe to retry and turns every failure into
an ``OperationalError`` that names the call, what Vault said and how to fix it. Errors never
carry a request body, so a secret sent to Vault cannot leak through an exception message.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import hvac
import requests
from hvac.adapters import JSONAdapter

from jit.adapters.oidc import fetch_id_token, print_mask
from jit.errors import JitError, OperationalError
from jit.model import VaultSettings

log = logging.getLogger("jit.vault")
Json = dict[str, Any]
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
#: Statuses that prove Vault did not act on the request, so even a create may be retried.
_NOT_ACTED = frozenset({429, 502, 503})
_CAPABILITY = {"GET": ["read"], "LIST": ["list"], "DELETE": ["delete"], "POST": ["update"]}
#: revoke-accessor's answer (200) for an accessor with no token: the token is already gone.
NO_TOKEN = "No token found with this accessor"  # noqa: S105 - a message, not a secret
#: Warnings Vault gives on normal, successful calls: logged at debug, never as warnings. Any
#: other warning (a TTL Vault capped, a field it ignored) is logged as a warning.
BENIGN_WARNINGS = (
    # Every token made through the token role: jit sends explicit_max_ttl (the grant's end)
    # and the role has its own; Vault keeps the lesser. A real cut also brings a TTL warning.
    re.compile(
        r"Explicit max TTL specified both during creation call and in role; "
        r"using the lesser value of \d+ seconds"
    ),
    re.compile(re.escape(NO_TOKEN)),
)
#: go-multierror's text, which Vault sends for some errors: "1 error occurred:\n\t* ...\n\n".
_MULTIERROR = re.compile(r"\A\d+ errors? occurred:\n")


def is_benign(warning: str) -> bool:
    return any(pattern.fullmatch(warning.strip()) for pattern in BENIGN_WARNINGS)


def plain_errors(text: str) -> list[str]:
    """An ``errors`` entry as plain messages: ``1 error occurred:\n\t* permission denied\n\n``
    gives ``["permission denied"]``."""
    if not _MULTIERROR.match(text):
        return [text.strip()]
    return [item.strip() for item in text.split("\n\t* ")[1:] if item.strip()]


class VaultRequestError(OperationalError):
    """A Vault call failed. ``status`` is None when Vault never answered."""

    def __init__(
        self, message: str, *, status: int | None, errors: Sequence[str], retryable: bool
    ) -> None:
        super().__init__(message, retryable=retryable)
        self.status = status
        self.errors = tuple(errors)

    def says(self, text: str) -> bool:
        return any(text in e for e in self.errors)


def _errors(response: requests.Response) -> list[str]:
    if response.headers.get("Content-Type") == "application/json":
        try:
            found = response.json().get("errors")
        except (ValueError, AttributeError):
            found = None
        if isinstance(found, list):
            return [message for e in found for message in plain_errors(str(e))]
    return [f"HTTP {response.status_code}"]


class VaultHttp:
    """One Vault address, namespace and token, with retries and readable errors."""

    def __init__(
        self,
        client: hvac.Client,
        *,
        sleep: Callable[[float], None] = time.sleep,
        retries: int = 3,
        backoff: float = 0.5,
        policy: str = "The job's Vault policy (given by the JWT role)",
    ) -> None:
        self.client = client
        self.policy = policy
        self._adapter = client.adapter
        self._sleep = sleep
        self.retries = retries
        self._backoff = backoff

    def with_token(self, token: str, policy: str = "The token's policy") -> VaultHttp:
        """The same Vault, session and namespace, acting as another token."""
        adapter = JSONAdapter.from_adapter(self._adapter)
        adapter.token = token
        clone = VaultHttp(
            self.client,
            sleep=self._sleep,
            retries=self.retries,
            backoff=self._backoff,
            policy=policy,
        )
        clone._adapter = adapter
        return clone

    def without_namespace(self) -> None:
        """Send this object's calls to the root namespace (no ``X-Vault-Namespace``)."""
        self._adapter.namespace = None

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        wrap_ttl: int | None = None,
        idempotent: bool = True,
        capabilities: Sequence[str] | None = None,
    ) -> Json | None:
        """``method`` (GET, POST, DELETE, LIST) ``/v1/<path>``: the JSON body on 200, None on 204.

        Retries 429, 5xx, sealed and timeouts with exponential backoff; a call that is not
        idempotent (it creates a credential) is retried only when Vault certainly did not act.
        """
        where = f"{method} {path}"
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(self._backoff * 2 ** (attempt - 1))
            try:
                result = self._adapter.request(
                    method.lower(),
                    f"/v1/{path}",
                    json=dict(body) if body is not None else None,
                    wrap_ttl=f"{wrap_ttl}s" if wrap_ttl else None,
                    raise_exception=False,
                )
            except requests.ConnectTimeout:
                last = "connection timed out"
                continue
            except (requests.ConnectionError, requests.Timeout) as err:
                last = f"no answer: {type(err).__name__}"
                if idempotent:
                    continue
                break
            if isinstance(result, dict):
                for warning in result.get("warnings") or ():
                    level = logging.DEBUG if is_benign(str(warning)) else logging.WARNING
                    log.log(level, "Vault warned on %s: %s", where, warning)
                return result
            if result.status_code == 204:
                return None
            status, errors = result.status_code, _errors(result)
            if status in _RETRY_STATUS and (idempotent or status in _NOT_ACTED):
                last = f"{status} {'; '.join(errors)}"
                continue
            raise self._failure(where, path, method, status, errors, capabilities or [])
        else:
            raise VaultRequestError(
                f"Vault did not complete {where} after {self.retries + 1} attempts "
                f"(last: {last}). The work stays pending; the next run retries it.",
                status=None,
                errors=[last],
                retryable=True,
            )
        raise VaultRequestError(
            f"Vault did not answer {where} ({last}); it may have acted on it. The next run "
            "looks for anything it created before issuing again.",
            status=None,
            errors=[last],
            retryable=True,
        )

    def _failure(
        self,
        where: str,
        path: str,
        method: str,
        status: int,
        errors: list[str],
        capabilities: Sequence[str],
    ) -> VaultRequestError:
        said = "; ".join(errors) or "no details"
        if status == 403:
            caps = ", ".join(f'"{c}"' for c in (capabilities or _CAPABILITY.get(method, [])))
            message = (
                f"Vault denied {where} ({said}). {self.policy} lacks "
                f'path "{path}" {{ capabilities = [{caps}] }}; add it (see the README, '
                "Vault set-up)."
            )
            return VaultRequestError(message, status=status, errors=errors, retryable=False)
        if status == 404:
            message = (
                f"Vault has nothing at {where} ({said}). Check that the secrets engine or auth "
                "method is mounted at that path and that VAULT_NAMESPACE is right."
            )
            return VaultRequestError(message, status=status, errors=errors, retryable=False)
        if status in _RETRY_STATUS:
            message = (
                f"Vault failed {where} ({status}: {said}) and it may have acted on it. The next "
                "run looks for anything it created before issuing again."
            )
            return VaultRequestError(message, status=status, errors=errors, retryable=True)
        message = f"Vault rejected {where} ({status}: {said})."
        return VaultRequestError(message, status=status, errors=errors, retryable=False)


#: Vault's words (JWT auth method) for a token whose time claims do not fit its clock.
_CLOCK = ("token is expired", "token not yet valid", "token issued in the future")


def login_hint(errors: Sequence[str], mount: str, role: str, audience: str) -> str:
    """How to fix a refused JWT login, chosen by what Vault said."""
    said = " ".join(errors)
    if any(text in said for text in _CLOCK):
        return (
            "The job fetched the token just before logging in, so Vault's clock and GitHub's "
            "disagree: check the Vault server's time (NTP) and, on the role, clock_skew_leeway, "
            "expiration_leeway and not_before_leeway."
        )
    if "aud" in said and "audience" in said:
        return (
            f"Check the role's bound_audiences: the job asks for {audience!r} "
            "(vault.oidc_audience or JIT_VAULT_AUDIENCE)."
        )
    if "error validating claims" in said or "bound subject" in said:
        return (
            "Check that the role's bound_claims (and bound_subject) match this repository, its "
            "main branch, the jit workflow and its environment (docs/setup/jit-role.json)."
        )
    if "could not be found" in said:
        return (
            f"Check that role {role!r} exists at auth/{mount}/role/{role} (vault.auth_role or "
            "JIT_VAULT_ROLE)."
        )
    return (
        f"Check the auth/{mount} method's config (bound_issuer and the keys it trusts: "
        "oidc_discovery_url https://token.actions.githubusercontent.com) and the role, as "
        "docs/admin.md sets them up."
    )


def _setting(env: Mapping[str, str], name: str, configured: str | None) -> str | None:
    return env.get(name) or configured or None


def connect(
    settings: VaultSettings,
    env: Mapping[str, str],
    *,
    session: requests.Session | None = None,
    mask: Callable[[str], None] = print_mask,
    sleep: Callable[[float], None] = time.sleep,
) -> hvac.Client:
    """An authenticated hvac client: ``VAULT_TOKEN`` if set, else GitHub OIDC -> JWT login.

    ``VAULT_ADDR``, ``VAULT_NAMESPACE``, ``VAULT_CACERT``, ``JIT_VAULT_AUTH_PATH``,
    ``JIT_VAULT_ROLE`` and ``JIT_VAULT_AUDIENCE`` override the settings file.
    """
    address = _setting(env, "VAULT_ADDR", settings.address)
    if not address:
        raise JitError(
            "Vault's address is unknown: set VAULT_ADDR for the job or vault.address in "
            "policies/settings.yaml."
        )
    namespace = _setting(env, "VAULT_NAMESPACE", settings.namespace)
    verify: bool | str = env.get("VAULT_CACERT") or True
    token = env.get("VAULT_TOKEN", "")
    client = hvac.Client(
        url=address, token=token, namespace=namespace, session=session, verify=verify
    )
    if token:
        log.info("using VAULT_TOKEN for %s", address)
        return client
    role = _setting(env, "JIT_VAULT_ROLE", settings.auth_role)
    if not role:
        raise JitError(
            "No Vault login role: set vault.auth_role in policies/settings.yaml or JIT_VAULT_ROLE "
            "for the job (or give it VAULT_TOKEN)."
        )
    mount = (_setting(env, "JIT_VAULT_AUTH_PATH", settings.auth_mount) or "jwt").strip("/")
    audience = _setting(env, "JIT_VAULT_AUDIENCE", settings.oidc_audience) or "vault"
    jwt = fetch_id_token(env, audience, session=session, mask=mask, sleep=sleep)
    try:
        answer = VaultHttp(client, sleep=sleep).call(
            "POST", f"auth/{mount}/login", body={"role": role, "jwt": jwt}
        )
    except VaultRequestError as err:
        if err.status != 400:
            raise
        raise JitError(
            f"Vault refused the GitHub OIDC login at auth/{mount} with role {role!r}: "
            f"{'; '.join(err.errors)}. {login_hint(err.errors, mount, role, audience)}"
        ) from None
    client_token = ((answer or {}).get("auth") or {}).get("client_token")
    if not isinstance(client_token, str) or not client_token:
        raise OperationalError(
            f"Vault's login at auth/{mount} returned no token; retrying next run."
        )
    mask(client_token)
    client.token = client_token
    log.info("logged in to Vault at %s via auth/%s role %s", address, mount, role)
    return client
