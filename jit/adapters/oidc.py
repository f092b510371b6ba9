"""The GitHub Actions OIDC ID token: the job's proof of who it is, for Vault's JWT login.

GitHub gives a job two environment variables only when the workflow grants
``permissions: id-token: write``; the token is fetched from that URL with the request token
as a Bearer credential, for an audience the Vault role binds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from urllib.parse import quote

import requests

from jit.errors import JitError, OperationalError

log = logging.getLogger(__name__)

URL_VAR = "ACTIONS_ID_TOKEN_REQUEST_URL"
TOKEN_VAR = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"  # noqa: S105 - a variable name
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


def print_mask(value: str) -> None:
    """Tell the Actions runner to mask ``value`` in every later log line."""
    print(f"::add-mask::{value}", flush=True)


def fetch_id_token(
    env: Mapping[str, str],
    audience: str,
    *,
    session: requests.Session | None = None,
    mask: Callable[[str], None] = print_mask,
    sleep: Callable[[float], None] = time.sleep,
    retries: int = 3,
) -> str:
    """Return a GitHub Actions ID token (a JWT) whose ``aud`` is ``audience``.

    Raises JitError when the job may not ask for one, OperationalError when GitHub fails.
    """
    url, bearer = env.get(URL_VAR, ""), env.get(TOKEN_VAR, "")
    if not url or not bearer:
        missing = " and ".join(v for v, x in ((URL_VAR, url), (TOKEN_VAR, bearer)) if not x)
        raise JitError(
            f"Cannot log in to Vault with GitHub OIDC: {missing} is not set. Give the job "
            "`permissions: id-token: write` in its workflow file (.github/workflows/*.yml), "
            "or set VAULT_TOKEN for the job instead."
        )
    full = f"{url}{'&' if '?' in url else '?'}audience={quote(audience, safe='')}"
    http = session or requests.Session()
    problem = ""
    for attempt in range(retries + 1):
        if attempt:
            sleep(min(8.0, 0.5 * 2 ** (attempt - 1)))
        try:
            response = http.get(full, headers={"Authorization": f"Bearer {bearer}"}, timeout=30)
        except (requests.ConnectionError, requests.Timeout) as err:
            problem = f"no answer ({type(err).__name__})"
            continue
        if response.status_code in _RETRY_STATUS:
            problem = f"HTTP {response.status_code}"
            continue
        if response.status_code != 200:
            raise OperationalError(
                f"GitHub refused the OIDC token request (HTTP {response.status_code}) for "
                f"audience {audience!r}. Check that the job has `permissions: id-token: write`.",
                retryable=False,
            )
        try:
            value = response.json()["value"]
        except (ValueError, KeyError, TypeError):
            value = None
        if not isinstance(value, str) or value.count(".") != 2:
            raise OperationalError(
                "GitHub's OIDC token endpoint answered without a token in `value`; "
                "the next run tries again."
            )
        mask(value)
        log.info("fetched a GitHub OIDC token for audience %r", audience)
        return value
    raise OperationalError(
        f"GitHub's OIDC token endpoint failed {retries + 1} times (last: {problem}); "
        "the next run tries again."
    )
