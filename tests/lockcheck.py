"""Reads pip-compile's hash locks (requirements/*.txt) and says where they disagree with
pyproject.toml. Plain functions over text, so tests/test_locks.py can feed them broken locks."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

_ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)\s*(?:;[^\\]*)?\\?\s*$")
_HASH = re.compile(r"^\s+--hash=sha256:[0-9a-f]{64}\s*\\?\s*$")
_VIA_INLINE = re.compile(r"^\s+# via (.+)$")
_VIA_ITEM = re.compile(r"^\s+#   (.+)$")
PROJECT = "jit-access"


@dataclass
class Pin:
    name: str  # canonical
    version: str
    line: int
    hashes: int = 0
    via: list[str] = field(default_factory=list)


def parse_lock(text: str) -> tuple[dict[str, Pin], list[str]]:
    """The pins of a lock, by canonical name, and what in the text is not a pin, hash or note."""
    pins: dict[str, Pin] = {}
    problems: list[str] = []
    current: Pin | None = None
    in_via = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            in_via = False
            continue
        entry = _ENTRY.match(line)
        if entry:
            name = canonicalize_name(entry.group(1))
            if name in pins:
                problems.append(f"line {number}: {name} is pinned twice")
            current = pins[name] = Pin(name, entry.group(2), number)
            in_via = False
        elif _HASH.match(line) and current is not None:
            current.hashes += 1
        elif (via := _VIA_INLINE.match(line)) and current is not None:
            current.via.append(via.group(1).strip())
            in_via = False
        elif line.strip() == "# via" and current is not None:
            in_via = True
        elif in_via and (item := _VIA_ITEM.match(line)) and current is not None:
            current.via.append(item.group(1).strip())
        elif line.startswith("#"):
            in_via = False
        else:
            problems.append(f"line {number}: not a `name==version` pin with hashes: {line!r}")
    return pins, problems


def project_requirements(pyproject: str, extra: str | None = None) -> list[Requirement]:
    """The runtime (and, with ``extra``, that extra's) and build-system requirements."""
    data = tomllib.loads(pyproject)
    texts = list(data["project"]["dependencies"]) + list(data["build-system"]["requires"])
    if extra is not None:
        texts += data["project"]["optional-dependencies"][extra]
    return [Requirement(t) for t in texts]


def disagreements(
    lock: str,
    pyproject: str,
    *,
    extra: str | None = None,
    same_as: Mapping[str, Pin] | None = None,
) -> list[str]:
    """Every way ``lock`` and ``pyproject`` disagree (empty when they agree):

    - a requirement of pyproject that the lock does not pin, or pins outside its specifier;
    - a pin without a hash (``pip install --require-hashes`` would refuse the whole lock);
    - a pin nothing in pyproject needs (no chain of ``# via`` notes leads back to the project);
    - with ``same_as``: a package pinned to another version than in that lock.
    """
    pins, problems = parse_lock(lock)
    for req in project_requirements(pyproject, extra):
        if req.marker is not None and not req.marker.evaluate({"extra": extra or ""}):
            continue
        pin = pins.get(canonicalize_name(req.name))
        if pin is None:
            problems.append(f"{req}: required by pyproject.toml but not pinned in the lock")
        elif not req.specifier.contains(Version(pin.version), prereleases=True):
            problems.append(
                f"{req}: the lock pins {pin.name}=={pin.version} (line {pin.line}), "
                "outside pyproject.toml's specifier"
            )
    for pin in pins.values():
        if pin.hashes == 0:
            problems.append(f"{pin.name}=={pin.version} (line {pin.line}): no --hash")
    rooted = _rooted(pins)
    for name in sorted(set(pins) - rooted):
        pin = pins[name]
        problems.append(
            f"{name}=={pin.version} (line {pin.line}): nothing in pyproject.toml needs it "
            f"(via {', '.join(pin.via) or 'nothing'})"
        )
    for name, other in (same_as or {}).items():
        pin = pins.get(name)
        if pin is not None and pin.version != other.version:
            problems.append(
                f"{name}: pinned {pin.version} here (line {pin.line}) but {other.version} "
                "in the runtime lock"
            )
    return problems


def _rooted(pins: Mapping[str, Pin]) -> set[str]:
    """The pins a chain of ``# via`` notes links to the project itself."""
    rooted = {n for n, p in pins.items() if any(_is_project(v) for v in p.via)}
    changed = True
    while changed:
        changed = False
        for name, pin in pins.items():
            if name not in rooted and any(canonicalize_name(v) in rooted for v in _names(pin.via)):
                rooted.add(name)
                changed = True
    return rooted


def _is_project(via: str) -> bool:
    return via.startswith(f"{PROJECT} (pyproject.toml")


def _names(vias: Iterable[str]) -> Iterable[str]:
    for via in vias:
        if not via.startswith("-") and " " not in via:
            yield via
