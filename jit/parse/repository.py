"""Read an access repository from disk: ``requests/``, ``policies/`` and its settings.

The only module of the core that touches the filesystem. Files are opened without
following symlinks and read only up to the size limit; a symlink, a non-``.yaml`` file
under ``requests/`` (``requests/README.md`` aside) or an oversized file is a finding.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from jit.findings import Finding
from jit.model import Policies, Request, Settings
from jit.parse import link_settings, parse_policies, parse_request, parse_settings
from jit.parse.policies import MAX_POLICY_BYTES
from jit.parse.policy_tests import PolicyCase, parse_policy_tests
from jit.parse.yaml.loader import MAX_BYTES

REQUESTS = "requests"
POLICIES = "policies"
SETTINGS = "policies/settings.yaml"
#: Policy tests (``jit.parse.policy_tests``): never policy files themselves.
POLICY_TESTS = "policies/tests"
#: Under requests/, the one file that is not a request.
REQUESTS_README = "requests/README.md"
#: Never follow a symlink, never block on a FIFO.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


@dataclass(frozen=True)
class RequestFile:
    """A file under ``requests/``: its content, or why it was refused (``raw`` is None)."""

    path: str  # repository-relative, with "/" separators
    raw: bytes | None = None
    finding: Finding | None = None


@dataclass(frozen=True)
class RepoSnapshot:
    """Everything ``jit check`` judges, read once. Requests with errors are left out of
    ``requests``; their findings are in ``findings``, which covers every file read."""

    policies: Policies
    settings: Settings
    requests: tuple[Request, ...]
    findings: tuple[Finding, ...]
    #: Every request file looked at, valid or not (repository-relative paths).
    files: tuple[str, ...] = ()


def load_repo(
    root: Path, env: Mapping[str, str], paths: Sequence[Path] | None = None
) -> RepoSnapshot:
    """Read and parse the repository at ``root``: all policies and settings, and the
    request files ``paths`` (default: every file under ``requests/``)."""
    policies, settings, findings = load_policies(root, env)
    requests: list[Request] = []
    files = request_files(root, paths)
    for file in files:
        if file.raw is None:
            findings.extend([file.finding] if file.finding else [])
            continue
        request, problems = parse_request(file.path, file.raw)
        findings.extend(problems)
        if request is not None:
            requests.append(request)
    paths_seen = tuple(file.path for file in files)
    return RepoSnapshot(policies, settings, tuple(requests), tuple(findings), paths_seen)


def load_policies(root: Path, env: Mapping[str, str]) -> tuple[Policies, Settings, list[Finding]]:
    """The policies and settings of the repository at ``root``, checked against each other."""
    files, settings_raw, findings = policy_sources(root)
    policies, settings, problems = build_policies(files, settings_raw, env)
    return policies, settings, findings + problems


def policy_sources(root: Path) -> tuple[dict[str, bytes], bytes | None, list[Finding]]:
    """The raw policy files (``policies/*.yaml`` but settings; path -> content), the raw
    ``policies/settings.yaml`` (None when absent) and findings for files that cannot be read."""
    findings: list[Finding] = []
    files: dict[str, bytes] = {}
    if not (root / POLICIES).is_dir():
        findings.append(
            _error(
                f"{POLICIES}/",
                "no-policies",
                f"there is no {POLICIES}/ directory in {root}; run jit in an access repository "
                "or point --repo at one",
            )
        )
    else:
        for entry in sorted(os.scandir(root / POLICIES), key=lambda e: e.name):
            rel = f"{POLICIES}/{entry.name}"
            if rel == SETTINGS or entry.is_dir(follow_symlinks=False):
                continue
            if not entry.name.endswith(".yaml"):
                if entry.name.endswith(".yml"):
                    findings.append(_ignored_yml(rel))
                continue
            content = read_file(root, rel, MAX_POLICY_BYTES)
            if isinstance(content, Finding):
                findings.append(content)
            else:
                files[rel] = content
    raw = read_file(root, SETTINGS, MAX_BYTES) if (root / SETTINGS).exists() else None
    if isinstance(raw, Finding):
        findings.append(raw)
        raw = None
    return files, raw, findings


def build_policies(
    files: Mapping[str, bytes], settings_raw: bytes | None, env: Mapping[str, str]
) -> tuple[Policies, Settings, list[Finding]]:
    """Parse raw policy files and settings (from disk, or a PR's head) and link them."""
    policies, findings = parse_policies(files)
    settings, problems = parse_settings(SETTINGS, settings_raw, env)
    findings.extend(problems)
    policies, problems = link_settings(policies, settings)
    findings.extend(problems)
    return policies, settings, findings


def load_policy_tests(root: Path) -> tuple[list[PolicyCase], list[Finding]]:
    """The test cases in ``policies/tests/*.yaml``, and findings for files that do not read."""
    cases: list[PolicyCase] = []
    findings: list[Finding] = []
    folder = root / POLICY_TESTS
    if folder.is_symlink():
        return cases, [_symlink(POLICY_TESTS)]
    if not folder.is_dir():
        return cases, findings
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        rel = f"{POLICY_TESTS}/{entry.name}"
        if entry.is_dir(follow_symlinks=False) or not entry.name.endswith((".yaml", ".yml")):
            continue
        if entry.name.endswith(".yml"):
            findings.append(_ignored_yml(rel, "policy test files"))
            continue
        content = read_file(root, rel, MAX_BYTES)
        if isinstance(content, Finding):
            findings.append(content)
            continue
        found, problems = parse_policy_tests(rel, content)
        cases.extend(found)
        findings.extend(problems)
    return cases, findings


def request_files(root: Path, paths: Sequence[Path] | None = None) -> list[RequestFile]:
    """The request files under ``root/requests`` (or the given files and directories,
    which must lie inside ``root``; use ``relative`` to check), in path order."""
    rels: Iterable[str] = [REQUESTS] if not paths else (relative(root, p) or "" for p in paths)
    found: dict[str, RequestFile] = {}
    for rel in rels:
        for file in _expand(root, rel):
            found.setdefault(file.path, file)
    return [found[path] for path in sorted(found)]


def relative(root: Path, path: Path) -> str | None:
    """``path`` (absolute, or relative to the current directory) relative to ``root``, with
    "/" separators; None when it is outside ``root``. Symlinks are not resolved."""
    rel = os.path.relpath(path, root)  # normalises without resolving symlinks
    if rel == os.curdir:
        return ""
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return rel.replace(os.sep, "/")


def _expand(root: Path, rel: str) -> Iterable[RequestFile]:
    if rel in ("", REQUESTS) and not (root / REQUESTS).is_dir():
        return
    if rel == "":
        rel = REQUESTS
    if rel == REQUESTS_README:
        return
    if rel != REQUESTS and not rel.startswith(REQUESTS + "/"):
        if not rel.startswith(POLICIES + "/") and rel != POLICIES:  # policies: always checked
            yield RequestFile(rel, finding=_not_a_request(rel))
        return
    link = _symlink_in(root, rel)
    if link is not None:
        yield RequestFile(rel, finding=_symlink(link))
    elif (root / rel).is_dir():
        yield from _walk(root, rel)
    else:
        yield _file(root, rel)


def _walk(root: Path, rel: str) -> Iterable[RequestFile]:
    for entry in os.scandir(root / rel):
        child = f"{rel}/{entry.name}"
        if entry.is_symlink():
            yield RequestFile(child, finding=_symlink(child))
        elif entry.is_dir(follow_symlinks=False):
            yield from _walk(root, child)
        elif child != REQUESTS_README:
            yield _file(root, child)


def _file(root: Path, rel: str) -> RequestFile:
    if not rel.endswith(".yaml"):
        fix = f"rename it to {rel[:-4]}.yaml" if rel.endswith(".yml") else "move it elsewhere"
        return RequestFile(
            rel,
            finding=_error(
                rel,
                "not-yaml",
                f"requests/ may only hold request files ending in .yaml; {fix}",
            ),
        )
    content = read_file(root, rel, MAX_BYTES)
    if isinstance(content, Finding):
        return RequestFile(rel, finding=content)
    return RequestFile(rel, raw=content)


def read_file(root: Path, rel: str, limit: int) -> bytes | Finding:
    """The content of ``root/rel``, refusing symlinks, non-regular files and files larger
    than ``limit`` (which are not read at all)."""
    try:
        fd = os.open(os.path.join(root, rel), _OPEN_FLAGS)  # noqa: PTH118 - the hot path
    except OSError as exc:
        if (root / rel).is_symlink():
            return _symlink(rel)
        return _error(rel, "unreadable", f"the file cannot be read ({exc.strerror})")
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return _error(rel, "not-a-file", "this is not a regular file; replace it with one")
        if info.st_size > limit:
            return _error(
                rel,
                "file-too-large",
                f"the file is {info.st_size:,} bytes; jit reads at most {limit:,} bytes per "
                "file, and a request needs only a few lines",
            )
        return os.read(fd, limit + 1)
    finally:
        os.close(fd)


def _symlink_in(root: Path, rel: str) -> str | None:
    """The first component of ``rel`` (from ``root`` down) that is a symlink, if any."""
    current = root
    parts = rel.split("/")
    for depth, part in enumerate(parts):
        current = current / part
        if current.is_symlink():
            return "/".join(parts[: depth + 1])
    return None


def _error(path: str, code: str, message: str) -> Finding:
    return Finding(path, None, None, code, "error", message)


def _symlink(rel: str) -> Finding:
    return _error(
        rel,
        "symlink",
        "this is a symbolic link; jit reads only regular files, so replace it with the file itself",
    )


def _not_a_request(rel: str) -> Finding:
    return _error(rel, "not-a-request", "only files under requests/ are request files")


def _ignored_yml(rel: str, what: str = "policy files") -> Finding:
    return Finding(
        rel,
        None,
        None,
        "ignored-file",
        "warning",
        f"{what} must end in .yaml, so this one is ignored; rename it to {rel[:-4]}.yaml",
    )
