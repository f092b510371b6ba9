from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reconcile.gitrepo import Remote
from tests.reconcile.world import World


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    repo = Remote(tmp_path)
    repo.commit({"README.md": "# access\n"}, "Initial commit")
    return repo


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    w = World(tmp_path, monkeypatch)
    try:
        yield w
    finally:
        w.close()
