"""Bounded retries for PyGithub, and the one place the GitHub adapter waits.

``BoundedRetry`` is PyGithub's ``GithubRetry`` (5xx, rate-limit 403s, 429 with ``Retry-After``)
with two changes: every wait goes through :func:`sleep` (tests replace it), and all the waits of
one client share a :class:`WaitBudget`, so a run gives up after a bounded total time instead of
sleeping through an hour-long rate-limit reset.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from github import GithubRetry
from urllib3.connectionpool import ConnectionPool
from urllib3.response import BaseHTTPResponse, HTTPResponse
from urllib3.util.retry import Retry


def sleep(seconds: float) -> None:
    """Wait ``seconds``. The only sleep in the GitHub adapter: tests replace this function."""
    time.sleep(seconds)


class RetryBudgetExceeded(Exception):
    """The next retry would wait longer than the client's remaining budget allows."""

    def __init__(self, wait: float, budget: WaitBudget) -> None:
        super().__init__(f"a retry would wait {wait:.0f}s with {budget.remaining:.0f}s left")
        self.wait = wait
        self.limit = budget.limit


@dataclass
class WaitBudget:
    """Seconds one client may spend waiting between retries, over all its requests."""

    limit: float
    spent: float = 0.0

    @property
    def remaining(self) -> float:
        return max(0.0, self.limit - self.spent)

    def wait(self, seconds: float) -> None:
        if seconds > self.remaining:
            raise RetryBudgetExceeded(seconds, self)
        self.spent += seconds
        if seconds > 0:
            sleep(seconds)


class BoundedRetry(GithubRetry):
    """``GithubRetry`` that waits through :class:`WaitBudget` (raising when it runs out)."""

    def __init__(self, *, budget: WaitBudget | None = None, **kwargs: Any) -> None:
        self.budget = budget if budget is not None else WaitBudget(float("inf"))
        super().__init__(**kwargs)

    def new(self, **kw: Any) -> BoundedRetry:
        kw["budget"] = self.budget
        return super().new(**kw)

    def increment(  # type: ignore[override]
        self,
        method: str | None = None,
        url: str | None = None,
        response: HTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Retry:
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        # Wait here rather than in sleep(): this is the one hook every transport calls.
        wait = None
        if response is not None and retry.respect_retry_after_header:
            wait = retry.get_retry_after(response)
        self.budget.wait(retry.get_backoff_time() if wait is None else wait)
        return retry

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        """Already waited in :meth:`increment`."""


def make_retry(total: int, budget: WaitBudget, *, retry_post: bool = True) -> BoundedRetry:
    """Up to ``total`` retries of 5xx, 429 and rate-limit 403s, waiting from ``budget``.

    PATCH is retried (jit only PATCHes whole comment bodies, which is idempotent). Without
    ``retry_post`` a POST is sent once: for creating comments, where a lost response followed by
    a retry would post the comment twice.
    """
    methods = Retry.DEFAULT_ALLOWED_METHODS | {"GET", "PATCH"} | ({"POST"} if retry_post else set())
    return BoundedRetry(
        budget=budget,
        total=total,
        backoff_factor=1.0,
        backoff_max=budget.limit,
        status_forcelist=[*range(500, 600), 429],
        allowed_methods=methods,
        max_rate_limit_wait=budget.limit,
        secondary_rate_wait=min(60.0, budget.limit),
        raise_on_status=False,
    )
