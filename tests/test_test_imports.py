"""No test module imports from another ``test_*`` module: shared helpers live in conftest.py or
helper modules, so running one test file never silently depends on (or re-runs) another."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def imports_of_test_modules(source: str) -> list[str]:
    """The ``test_*`` modules that ``source`` imports, as written."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[-1].startswith("test_")]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            if module.split(".")[-1].startswith("test_"):
                found.append(module)
            else:
                found += [f"{module}.{a.name}" for a in node.names if a.name.startswith("test_")]
    return found


def test_the_checker_finds_every_form_of_import() -> None:
    source = (
        "import tests.reconcile.test_crash\n"
        "from tests.reconcile.test_crash import live\n"
        "from .test_state import make\n"
        "from tests.reconcile import test_race\n"
        "def f():\n    from tests.delivery.test_sealing import encrypted_openssh\n"
        "from tests.reconcile.helpers import live\nimport tests.golden\n"
    )
    assert imports_of_test_modules(source) == [
        "tests.reconcile.test_crash",
        "tests.reconcile.test_crash",
        ".test_state",
        "tests.reconcile.test_race",
        "tests.delivery.test_sealing",
    ]


def test_no_test_module_imports_another() -> None:
    offenders = {
        str(path.relative_to(TESTS.parent)): found
        for path in sorted(TESTS.rglob("*.py"))
        if (found := imports_of_test_modules(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, "move the shared helpers into conftest.py or a helper module"
