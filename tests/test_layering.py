"""The layering rule holds for the source, and the checker reports each kind of violation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.layering import Violation, check_source, check_tree, layer_of, module_name

ROOT = Path(__file__).resolve().parent.parent


def test_the_source_keeps_the_layering_rule() -> None:
    violations = check_tree(ROOT)
    assert not violations, "\n" + "\n".join(map(str, violations))


def test_every_module_is_scanned_and_placed() -> None:
    modules = [module_name(ROOT, p) for p in sorted((ROOT / "jit").rglob("*.py"))]
    assert {"jit", "jit.cli", "jit.reconcile.changes", "jit.adapters.git"} <= set(modules)
    assert all(layer_of(m) is not None for m in modules)


def rules(module: str, source: str) -> list[tuple[int, str]]:
    """(line, rule) of each violation in ``source``, as if it were ``module`` (a package
    when jit has a directory of that name, so relative imports resolve as they would)."""
    is_package = (ROOT / module.replace(".", "/")).is_dir()
    path = module.replace(".", "/") + ("/__init__.py" if is_package else ".py")
    return [(v.line, v.rule) for v in check_source(module, path, source, is_package=is_package)]


CLICK = "click outside jit.cli"
IO = "I/O library in the core"
ADAPTERS = "the core imports jit.adapters"
UPWARD = "a lower layer imports a higher one"
SIBLINGS = "pr, audit and delivery are independent"
ENV = "environment read outside jit.cli/jit.adapters"
ADAPTER_CORE = "an adapter imports the core"


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("jit.policy.engine", "import click\n", [(1, CLICK)]),
        ("jit.commands.unwrap", "x = 1\nfrom click import echo\n", [(2, CLICK)]),
        ("jit.adapters.github.client", "import click.testing\n", [(1, CLICK)]),
        ("jit.model", "def f():\n    import subprocess\n", [(2, IO)]),
        ("jit.audit.store", "from urllib import request\n", [(1, IO)]),
        ("jit.parse.repository", "import http.client as hc\n", [(1, IO)]),
        (
            "jit.delivery.keys",
            "import requests\nimport github.Auth\nimport hvac\n",
            [(1, IO), (2, IO), (3, IO)],
        ),
        ("jit.pr.gather", "import socket\n", [(1, IO)]),
        (
            "jit.reconcile.runtime",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from jit.adapters.git import Git\n",
            [(3, ADAPTERS)],
        ),
        ("jit.reconcile.run", "import jit.adapters.vault\n", [(1, ADAPTERS)]),
        ("jit.reconcile.run", "from ..adapters import clock\n", [(1, ADAPTERS)]),
        ("jit.reconcile", "from ..adapters import clock\n", [(1, ADAPTERS)]),
        ("jit.policy.rules", "from jit.pr.plan import PrPlan\n", [(1, UPWARD)]),
        ("jit.parse.values", "def f():\n    from jit.policy import engine\n", [(2, UPWARD)]),
        ("jit.model", "from jit import parse\n", [(1, UPWARD)]),
        ("jit.policy.engine", "from ..reconcile import run\n", [(1, UPWARD)]),
        ("jit.policy", "from ..reconcile import run\n", [(1, UPWARD)]),
        ("jit.adapters.git", "from jit.commands import reconcile\n", [(1, UPWARD)]),
        ("jit.commands.pr", "from jit.cli import main\n", [(1, UPWARD)]),
        ("jit.pr.render", "from jit.audit import entries\n", [(1, SIBLINGS)]),
        ("jit.delivery.sealing", "import jit.pr.plan\n", [(1, SIBLINGS)]),
        ("jit.audit.chain", "from jit.delivery.keys import x\n", [(1, SIBLINGS)]),
        (
            "jit.adapters.vault.issue",
            "from jit.reconcile.state import GrantRecord\n",
            [(1, ADAPTER_CORE)],
        ),
        ("jit.adapters.kube.backend", "from jit.policy import engine\n", [(1, ADAPTER_CORE)]),
        ("jit.policy.hours", "import os\nzone = os.environ['TZ']\n", [(2, ENV)]),
        ("jit.parse.settings", "import os\nzone = os.getenv('TZ')\n", [(2, ENV)]),
        ("jit.redact", "from os import environ\n", [(1, ENV)]),
        ("jit.audit.store", "import os as o\ndef f():\n    o.putenv('A', 'b')\n", [(3, ENV)]),
        ("jit.commands.pr", "import os\nenv = dict(os.environ)\n", [(2, ENV)]),
        (
            "jit.reconcile.run",
            "import importlib\nm = importlib.import_module(name)\n",
            [(2, "dynamic import in the core")],
        ),
        (
            "jit.reconcile.run",
            "import importlib\nm = importlib.import_module('click')\n",
            [(2, CLICK)],
        ),
        ("jit.pr.plan", "__import__('jit.adapters.clock')\n", [(1, ADAPTERS)]),
        ("jit.newstage.thing", "x = 1\n", [(1, "unplaced module")]),
    ],
)
def test_each_kind_of_violation_is_reported(
    module: str, source: str, expected: list[tuple[int, str]]
) -> None:
    assert rules(module, source) == expected


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("jit.cli.unwrap", "import os\nimport click\nv = os.environ.get('VAULT_ADDR')\n"),
        ("jit.__main__", "from jit.cli import main\n"),
        (
            "jit.commands.reconcile",
            "from jit.adapters.git import Git\nfrom jit.reconcile import run\n",
        ),
        (
            "jit.adapters.git",
            "import os\nimport subprocess\nfrom jit.ports import Identity\n"
            "env = dict(os.environ)\n",
        ),
        (
            "jit.adapters.vault.client",
            "import hvac\nimport requests\nfrom jit.errors import JitError\n",
        ),
        ("jit.adapters.github.client", "from jit.adapters.github.retry import retry\n"),
        (
            "jit.reconcile.run",
            "from jit.pr import plan\nfrom jit.audit import entries\n"
            "from jit.delivery import seal\nfrom jit.policy import engine\n",
        ),
        (
            "jit.pr.gather",
            "from jit.policy.engine import evaluate\nfrom jit.parse import parse_request\n",
        ),
        ("jit.parse.repository", "import os\nfrom os import path\nos.path.join('a')\n"),
        (
            "jit.validators",
            "import importlib\nm = importlib.import_module(f'jit.validators._{n}')\n",
        ),
        ("jit.ports", "from jit.model import Resource\nfrom jit import __version__\n"),
        ("jit.pr", "from . import plan\nfrom .render import render\n"),
    ],
)
def test_what_the_rule_allows_is_not_reported(module: str, source: str) -> None:
    assert rules(module, source) == []


def test_a_violation_names_the_file_line_and_rule(tmp_path: Path) -> None:
    (tmp_path / "jit" / "policy").mkdir(parents=True)
    (tmp_path / "jit" / "cli").mkdir()
    (tmp_path / "jit" / "__init__.py").write_text("")
    (tmp_path / "jit" / "cli" / "__init__.py").write_text("import click\n")
    (tmp_path / "jit" / "policy" / "__init__.py").write_text("")
    (tmp_path / "jit" / "policy" / "engine.py").write_text('"""Doc."""\n\nimport click\n')
    found = check_tree(tmp_path)
    assert found == [
        Violation(
            "jit/policy/engine.py",
            3,
            CLICK,
            "jit.policy.engine imports click; only jit/cli uses click (raise "
            "jit.errors.UsageError or take streams as arguments instead)",
        )
    ]
    assert str(found[0]).startswith("jit/policy/engine.py:3: click outside jit.cli: ")
