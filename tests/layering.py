"""The layering rule (docs/architecture.md), checked over the source with ``ast``.

Layers, highest first; a module may import jit modules of its own layer or a lower one:

1. ``jit.cli`` (and the ``jit.__main__`` entry point): the only place that imports click;
2. ``jit.commands``: runners that wire adapters to the core;
3. ``jit.adapters``: may import only the base (8) and other adapters;
4. ``jit.reconcile``, ``jit.requester``;
5. ``jit.pr``, ``jit.audit``, ``jit.delivery``, ``jit.doctor``: none imports another;
6. ``jit.policy``;
7. ``jit.parse``, ``jit.validators``;
8. the base: ``jit`` itself, model, findings, errors, ports, durations, redact, markdown, output.

The core (4-8) imports no adapter and no I/O library, and reads no environment variable; only
``jit.cli`` and ``jit.adapters`` read the environment. Every import counts: at module level,
inside functions, under ``if TYPE_CHECKING:``, relative, and ``importlib.import_module`` with
a literal name. A module under ``jit/`` that belongs to no layer is itself a violation, so a
new package has to be placed before it can pass.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CLI, COMMANDS, ADAPTERS, RECONCILE, STAGES, POLICY, PARSE, BASE = range(1, 9)
CORE = frozenset({RECONCILE, STAGES, POLICY, PARSE, BASE})

#: Module or package name -> layer; a module belongs to its longest listed prefix.
LAYERS: dict[str, int] = {
    "jit.cli": CLI,
    "jit.__main__": CLI,
    "jit.commands": COMMANDS,
    "jit.adapters": ADAPTERS,
    "jit.reconcile": RECONCILE,
    "jit.requester": RECONCILE,
    "jit.pr": STAGES,
    "jit.audit": STAGES,
    "jit.delivery": STAGES,
    "jit.doctor": STAGES,
    "jit.policy": POLICY,
    "jit.parse": PARSE,
    "jit.validators": PARSE,
    **{
        f"jit.{name}": BASE
        for name in (
            "model",
            "findings",
            "errors",
            "ports",
            "durations",
            "redact",
            "markdown",
            "output",
        )
    },
}
#: The package itself (``jit/__init__.py``) is base; ``jit.x`` is not "in" it by prefix.
PACKAGE = "jit"
#: Layer 5: independent stages.
SIBLINGS = ("jit.pr", "jit.audit", "jit.delivery", "jit.doctor")
#: Libraries that talk to the outside world: adapters' business, never the core's.
CORE_FORBIDDEN = (
    "click",
    "subprocess",
    "hvac",
    "github",
    "requests",
    "socket",
    "urllib.request",
    "http.client",
)
#: Reading (or changing) the process environment through ``os``.
ENV_NAMES = frozenset({"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"})
#: Where the environment may be read.
ENV_READERS = ("jit.cli", "jit.adapters")


@dataclass(frozen=True)
class Violation:
    file: str
    line: int
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.rule}: {self.detail}"


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer_of(module: str) -> int | None:
    if module == PACKAGE:
        return BASE
    best = max((p for p in LAYERS if _within(module, p)), key=len, default=None)
    return None if best is None else LAYERS[best]


def _package_of(module: str) -> str | None:
    best = max((p for p in (*LAYERS, *SIBLINGS) if _within(module, p)), key=len, default=None)
    return best


def module_name(root: Path, path: Path) -> str:
    """``jit/reconcile/run.py`` -> ``jit.reconcile.run``; ``jit/pr/__init__.py`` -> ``jit.pr``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """Every (line, imported name) in ``tree``, wherever it is; ``from a import b`` yields
    ``a.b`` (which ``_within`` also matches against ``a``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            for alias in node.names:
                yield node.lineno, base if alias.name == "*" else f"{base}.{alias.name}"
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func):
            target = _literal_prefix(node.args[0]) if node.args else None
            yield node.lineno, target if target else "<dynamic import>"


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    if not is_package:
        parts.pop()
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join([*parts, *([node.module] if node.module else [])])


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in ("__import__", "import_module")
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def _literal_prefix(arg: ast.expr) -> str | None:
    """The module a literal (or an f-string's constant start, up to its last dot) names."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.JoinedStr) and arg.values:
        first = arg.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str) and "." in first.value:
            return first.value.rsplit(".", 1)[0]
    return None


def _env_reads(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """``os.environ``, ``os.getenv(...)``, ``from os import environ`` and the like, with any
    alias of ``os``."""
    aliases = {"os"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "os" or alias.name.startswith("os."):
                    aliases.add(alias.asname or "os")
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and not node.level:
            for alias in node.names:
                if alias.name in ENV_NAMES or alias.name == "*":
                    yield node.lineno, f"from os import {alias.name}"
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ENV_NAMES
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            yield node.lineno, f"{node.value.id}.{node.attr}"


def check_source(
    module: str, file: str, source: str, *, is_package: bool = False
) -> list[Violation]:
    """Every violation of the layering rule in one module's source."""
    tree = ast.parse(source, filename=file)
    layer = layer_of(module)
    if layer is None:
        return [
            Violation(
                file,
                1,
                "unplaced module",
                f"{module} belongs to no layer; add its package to LAYERS in tests/layering.py "
                "and to docs/architecture.md",
            )
        ]
    found: list[Violation] = []
    for line, name in _imports(tree, module, is_package):
        found.extend(_check_import(module, layer, file, line, name))
    if not any(_within(module, p) for p in ENV_READERS):
        for line, what in _env_reads(tree):
            found.append(
                Violation(
                    file,
                    line,
                    "environment read outside jit.cli/jit.adapters",
                    f"{module} reads the process environment ({what}); take the value as an "
                    "argument and read it in jit/cli (or an adapter)",
                )
            )
    return sorted(found, key=lambda v: (v.line, v.rule))


def _check_import(module: str, layer: int, file: str, line: int, name: str) -> Iterator[Violation]:
    if name == "<dynamic import>":
        if layer in CORE:
            yield Violation(
                file,
                line,
                "dynamic import in the core",
                f"{module} imports a module whose name is not a literal; the rule cannot be "
                "checked, so import it by name",
            )
        return
    if _within(name, "click") and not _within(module, "jit.cli"):
        yield Violation(
            file,
            line,
            "click outside jit.cli",
            f"{module} imports {name}; only jit/cli uses click (raise jit.errors.UsageError "
            "or take streams as arguments instead)",
        )
    if layer in CORE:
        for lib in CORE_FORBIDDEN:
            if lib != "click" and _within(name, lib):
                yield Violation(
                    file,
                    line,
                    "I/O library in the core",
                    f"{module} imports {name}; only jit/adapters talk to the outside world: "
                    "declare a Protocol beside the code that needs it and pass an adapter in",
                )
    if not _within(name, PACKAGE) or name == PACKAGE:
        return
    target = name
    target_layer = layer_of(target)
    if target_layer is None:
        return  # an unplaced module is reported where it is defined
    if layer in CORE and target_layer == ADAPTERS:
        yield Violation(
            file,
            line,
            "the core imports jit.adapters",
            f"{module} (core) imports {target}; declare a Protocol beside the code that uses "
            "it and have jit/commands pass the adapter",
        )
    elif layer == ADAPTERS and target_layer in CORE - {BASE}:
        yield Violation(
            file,
            line,
            "an adapter imports the core",
            f"{module} imports {target}; adapters may import only the base modules "
            "(model, findings, errors, ports, durations, redact, markdown, output) and other "
            "adapters",
        )
    elif target_layer < layer:
        yield Violation(
            file,
            line,
            "a lower layer imports a higher one",
            f"{module} (layer {layer}) imports {target} (layer {target_layer})",
        )
    mine, theirs = _package_of(module), _package_of(target)
    if mine in SIBLINGS and theirs in SIBLINGS and mine != theirs:
        yield Violation(
            file,
            line,
            "pr, audit and delivery are independent",
            f"{module} imports {target}; move what both need down to policy, parse or the base",
        )


def check_tree(root: Path) -> list[Violation]:
    """Every violation under ``root`` (the directory holding the ``jit`` package)."""
    found: list[Violation] = []
    for path in sorted((root / PACKAGE).rglob("*.py")):
        module = module_name(root, path)
        found.extend(
            check_source(
                module,
                path.relative_to(root).as_posix(),
                path.read_text(encoding="utf-8"),
                is_package=path.name == "__init__.py",
            )
        )
    return found
