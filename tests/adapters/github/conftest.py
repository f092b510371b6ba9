from __future__ import annotations

import pytest

from jit.adapters.github.client import GitHubClient
from tests.fakes.github import FakeGitHub, fake_github

__all__ = ["client", "fake_github"]


@pytest.fixture
def client(fake_github: FakeGitHub) -> GitHubClient:
    """The product's adapter, with an App token, against the served fake."""
    return GitHubClient(
        fake_github.APP_TOKEN, "acme/access", fake_github.base_url, login="jit-app[bot]"
    )
