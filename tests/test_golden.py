"""The shared golden-file helper fails on a difference or a missing file, and can rewrite."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden import UPDATE, assert_golden


@pytest.fixture(autouse=True)
def not_updating(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UPDATE, raising=False)


def test_equal_text_passes(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("same\n", encoding="utf-8")
    assert_golden(path, "same\n")


def test_a_difference_fails_and_leaves_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("expected\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="differs"):
        assert_golden(path, "expected\n ")
    assert path.read_text(encoding="utf-8") == "expected\n"


def test_a_missing_file_fails(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="is missing"):
        assert_golden(tmp_path / "nope.md", "text")


def test_update_mode_writes_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(UPDATE, "1")
    path = tmp_path / "new" / "a.md"
    assert_golden(path, "fresh\n")
    assert path.read_text(encoding="utf-8") == "fresh\n"
