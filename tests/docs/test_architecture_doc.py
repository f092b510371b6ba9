"""docs/architecture.md stays true: it names every package under jit/, and every path it (or
any other document) names exists, so a move or a rename cannot leave the docs behind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs.guide import ROOT

ARCHITECTURE = Path("docs") / "architecture.md"
#: Documents whose paths are checked: the READMEs and everything under docs/ (not the
#: CHANGELOG, whose entries may name what a change moved or removed).
DOCUMENTS = [
    Path("README.md"),
    Path("requests") / "README.md",
    Path("bench") / "README.md",
    *sorted(p.relative_to(ROOT) for p in (ROOT / "docs").rglob("*.md")),
]
#: Words shaped like a path that are not one: the commit status jit sets, and Kubernetes
#: ``namespace/name`` of the objects docs/admin.md creates in the namespace ``jit``.
NOT_PATHS = frozenset({"jit/approval", "jit/jit-granter", "jit/vault-token-creator"})

_PATH = re.compile(r"(?<![\w./-])(?:jit|tests|docs)/[\w./*-]*")
_LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")
_CODE = re.compile(r"`([^`\n]+)`")


def packages(root: Path) -> list[str]:
    """Every package under ``root/jit`` (a directory with ``__init__.py``), as ``jit/x/y``."""
    return sorted(
        p.parent.relative_to(root).as_posix() for p in (root / "jit").rglob("__init__.py")
    )


def missing_packages(text: str, root: Path) -> list[str]:
    """Packages the document does not name in a code span (``jit/x`` or ``jit/x/``)."""
    named = {span.rstrip("/") for span in _CODE.findall(text)}
    return [p for p in packages(root) if p not in named]


def dead_paths(text: str, doc: Path, root: Path) -> list[str]:
    """Paths under jit/, tests/ or docs/ and relative Markdown links that do not exist."""
    dead: list[str] = []
    for path in _PATH.findall(text):
        path = path.rstrip(".,")
        if path in NOT_PATHS:
            continue
        exists = any(root.glob(path)) if "*" in path else (root / path).exists()
        if not exists:
            dead.append(path)
    for target in _LINK.findall(text):
        if "://" in target or target.startswith("mailto:"):
            continue
        if not ((root / doc).parent / target).exists():
            dead.append(target)
    return dead


def test_the_architecture_names_every_package() -> None:
    text = (ROOT / ARCHITECTURE).read_text(encoding="utf-8")
    assert missing_packages(text, ROOT) == [], f"add these packages to {ARCHITECTURE}"


@pytest.mark.parametrize("doc", DOCUMENTS, ids=str)
def test_every_path_a_document_names_exists(doc: Path) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    assert dead_paths(text, doc, ROOT) == [], f"{doc} names paths that do not exist"


def test_the_checks_catch_a_stale_document(tmp_path: Path) -> None:
    for package in ("jit", "jit/parse", "jit/parse/yaml", "jit/pr"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "jit" / "model.py").write_text("")
    (tmp_path / "docs" / "adr").mkdir(parents=True)
    (tmp_path / "docs" / "adr" / "0001-x.md").write_text("")
    doc = Path("docs") / "architecture.md"
    text = (
        "| `jit/` | base | `jit/model.py` |\n"
        "| `jit/parse/` | parsing, moved from `jit/loader.py` |\n"
        "`jit/pr` checked by tests/pr/test_plan.py, sets the `jit/approval` status.\n"
        "See [ADR 1](adr/0001-x.md), [ADR 2](adr/0002-y.md#context), "
        "[GitHub](https://github.com), generated `jit/validators/_*.py`.\n"
    )
    assert missing_packages(text, tmp_path) == ["jit/parse/yaml"]
    assert dead_paths(text, doc, tmp_path) == [
        "jit/loader.py",
        "tests/pr/test_plan.py",
        "jit/validators/_*.py",
        "adr/0002-y.md",
    ]
