"""Read-only GitHub REST calls for ``jit doctor``: ``(status, body, error)``, never raising.

Only metadata: the branch's rules, the environment and its secrets' *names* (GitHub never
returns a secret's value through the API).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from jit import __version__
from jit.adapters.github.client import DEFAULT_API_URL


class GitHubProbe:
    def __init__(
        self, token: str, repository: str, api: str = DEFAULT_API_URL, *, timeout: float = 15
    ) -> None:
        self.repository = repository
        self._base = f"{api.rstrip('/')}/repos/{repository}"
        self._timeout = timeout
        self._session = requests.Session()
        self._session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": f"jit-access/{__version__}",
            }
        )

    def get(self, path: str) -> tuple[int | None, dict[str, Any], str]:
        """``GET /repos/{repository}/{path}``; a JSON array comes back as ``{"items": [...]}``."""
        try:
            response = self._session.get(f"{self._base}/{path}", timeout=self._timeout)
        except requests.RequestException as exc:
            return None, {}, type(exc).__name__
        try:
            value = response.json()
        except ValueError:
            value = {}
        body = (
            {"items": value}
            if isinstance(value, list)
            else value
            if isinstance(value, dict)
            else {}
        )
        error = "" if response.ok else str(body.get("message") or response.reason or "")
        return response.status_code, body, error


def segment(name: str) -> str:
    return quote(name, safe="")
