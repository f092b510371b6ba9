"""Golden files: compare rendered text with a committed file, byte for byte.

Regenerate after a deliberate change with ``JIT_UPDATE_GOLDEN=1 python -m pytest tests/...``,
then review the diff like any other change.
"""

from __future__ import annotations

import os
from pathlib import Path

UPDATE = "JIT_UPDATE_GOLDEN"


def assert_golden(path: Path, text: str) -> None:
    """``text`` must equal the content of ``path``; with ``JIT_UPDATE_GOLDEN=1``, write it first."""
    if os.environ.get(UPDATE) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing; run {UPDATE}=1 python -m pytest to create it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{path} differs; review the change, then rerun with {UPDATE}=1"
