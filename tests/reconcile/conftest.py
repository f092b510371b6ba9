from __future__ import annotations

from pathlib import Path

import pytest

from tests.reconcile.gitrepo import Remote


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    repo = Remote(tmp_path)
    repo.commit({"README.md": "# access\n"}, "Initial commit")
    return repo
