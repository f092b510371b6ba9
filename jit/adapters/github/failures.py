"""Turn PyGithub and transport exceptions into jit errors that say what jit was doing, what
GitHub answered and how to fix it. Messages quote GitHub's ``message``, never the token."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from github import GithubException, RateLimitExceededException
from github.GithubException import (
    BadCredentialsException,
    RateLimitExceededExceedsMaxWait,
)

from jit.adapters.github.retry import RetryBudgetExceeded
from jit.errors import OperationalError

TEAM_ACCESS_HINT = (
    "GITHUB_TOKEN cannot read organisation teams. Use a GitHub App installation token with the "
    'Organization permission "Members: read": create it in the workflow with '
    "actions/create-github-app-token and pass it to jit as JIT_GITHUB_TOKEN."
)


def github_message(exc: GithubException) -> str:
    """GitHub's own ``message`` from an error body, or the HTTP status."""
    data: Any = exc.data
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return f"HTTP {exc.status}"


def _describe(action: str, exc: GithubException) -> OperationalError:
    said = f"GitHub answered {exc.status} ({github_message(exc)!r})"
    if isinstance(exc, BadCredentialsException) or exc.status == 401:
        return OperationalError(
            f"{action}: {said}. The token was rejected: check that GITHUB_TOKEN (or "
            "JIT_GITHUB_TOKEN) holds a valid, unexpired token for this repository.",
            retryable=False,
        )
    if isinstance(exc, RateLimitExceededExceedsMaxWait | RateLimitExceededException):
        return OperationalError(
            f"{action}: {said}. The GitHub API rate limit is exhausted and resets later than "
            "jit is willing to wait; the next run continues the work.",
        )
    if exc.status == 403:
        return OperationalError(
            f"{action}: {said}. The token lacks a permission this needs: grant the workflow "
            "job 'contents: read', 'pull-requests: write' and 'statuses: write'.",
            retryable=False,
        )
    if exc.status is not None and exc.status >= 500:
        return OperationalError(f"{action}: {said}, also after retries; try again later.")
    return OperationalError(f"{action}: {said}.", retryable=False)


@contextmanager
def calling(action: str) -> Iterator[None]:
    """Run GitHub calls for ``action`` ("reading pull request #4"), mapping every failure to an
    ``OperationalError``. Callers catch the exceptions they expect (a 404) inside the block."""
    try:
        yield
    except RetryBudgetExceeded as exc:
        raise OperationalError(
            f"{action}: GitHub kept failing or rate-limiting, and waiting {exc.wait:.0f}s more "
            f"would exceed jit's retry budget of {exc.limit:.0f}s; the next run continues.",
        ) from exc
    except GithubException as exc:
        raise _describe(action, exc) from exc
    except requests.RequestException as exc:
        raise OperationalError(
            f"{action}: could not reach GitHub ({type(exc).__name__}), also after retries; "
            "check GITHUB_API_URL and the network, or try again later.",
        ) from exc
