"""Golden files for the plan comment. Regenerate with ``JIT_UPDATE_GOLDEN=1 pytest tests/pr``."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN_DIR = Path(__file__).parent / "golden"


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN_DIR / f"{name}.md"
    if os.environ.get("JIT_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing; run JIT_UPDATE_GOLDEN=1 pytest tests/pr to create it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{path} differs; review it and rerun with JIT_UPDATE_GOLDEN=1"
