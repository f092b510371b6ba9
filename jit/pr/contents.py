"""What a request PR may contain: only new request files, or deletions that withdraw access.

Everything here is pure. The command runner gives it the PR's file list, what each added file
is at the head commit, the parsed requests and the team memberships it asked for; it returns
findings. A PR that mixes a request with anything else is rejected with a finding telling the
author to split it, because a request must be judged by policies and code that it cannot change.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass

from jit.findings import Finding
from jit.model import Policies, Principal, Request, Settings
from jit.ports import FileAtRef, PullFile

REQUESTS_DIR = "requests/"
REQUESTS_README = "requests/README.md"
SPLIT = "Open a separate PR for it; a request PR may only add or delete files under requests/."

#: Top-level paths that judge requests, with the finding code and a name for the message.
_PROTECTED: tuple[tuple[str, str, str], ...] = (
    ("policies/", "pr-changes-policies", "a policy"),
    ("schemas/", "pr-changes-schemas", "a schema"),
    ("jit/schemas/", "pr-changes-schemas", "a schema"),
    (".github/workflows/", "pr-changes-workflows", "a workflow"),
    (".github/", "pr-changes-code", "repository configuration"),
    ("jit/", "pr-changes-code", "jit's code"),
    ("tests/", "pr-changes-code", "jit's tests"),
    ("bench/", "pr-changes-code", "jit's benchmark"),
    (".ci/", "pr-changes-code", "the CI entry point"),
    ("pyproject.toml", "pr-changes-code", "the package definition"),
)


@dataclass(frozen=True)
class PrFiles:
    """A PR's files sorted by what they do."""

    added: tuple[str, ...]  # request files to validate at the head commit
    removed: tuple[str, ...]  # request files deleted to withdraw access
    findings: tuple[Finding, ...]  # files a request PR must not touch


def is_request_path(path: str) -> bool:
    """``requests/<login>/<name>.yaml``: exactly one directory level, a ``.yaml`` name."""
    parts = path.split("/")
    return (
        len(parts) == 3
        and parts[0] == "requests"
        and bool(parts[1])
        and parts[2].endswith(".yaml")
        and len(parts[2]) > len(".yaml")
        and not parts[1].startswith(".")
        and not parts[2].startswith(".")
    )


def is_request_pr(files: Sequence[PullFile]) -> bool:
    """Whether the PR touches ``requests/`` at all (its README aside).

    A PR that does not is no request: jit has nothing to judge, and code-owner review decides.
    """
    return any(
        path.startswith(REQUESTS_DIR) and path != REQUESTS_README
        for f in files
        for path in (f.filename, f.previous_filename or "")
    )


def classify(files: Sequence[PullFile], on_main: Container[str]) -> PrFiles:
    """Sort the PR's files; ``on_main`` holds the request paths on the (trusted) base branch."""
    added: list[str] = []
    removed: list[str] = []
    findings: list[Finding] = []
    for f in sorted(files, key=lambda item: item.filename):
        if f.status == "unchanged":
            continue
        if not is_request_path(f.filename):
            findings.append(_foreign(f.filename))
            if f.previous_filename and is_request_path(f.previous_filename):
                findings.append(_renamed(f))
            continue
        if f.status in ("added", "copied"):
            if f.filename in on_main:
                findings.append(_modified(f.filename))
            else:
                added.append(f.filename)
        elif f.status == "removed":
            removed.append(f.filename)
        elif f.status == "renamed":
            findings.append(_renamed(f))
            if f.previous_filename and not is_request_path(f.previous_filename):
                findings.append(_foreign(f.previous_filename))
        else:  # modified, changed
            findings.append(_modified(f.filename))
    return PrFiles(tuple(added), tuple(removed), tuple(findings))


def _foreign(path: str) -> Finding:
    for prefix, code, what in _PROTECTED:
        if path == prefix.rstrip("/") or path.startswith(prefix):
            return Finding(
                path, None, None, code, "error", f"This PR changes {what} ({path}). {SPLIT}"
            )
    if path.startswith(REQUESTS_DIR) and path != REQUESTS_README:
        return Finding(
            path,
            None,
            None,
            "pr-not-a-request-file",
            "error",
            f"{path} is not a request file; a request lives at requests/<your login>/<name>.yaml "
            f"(one directory, a .yaml name). Rename it, or open a separate PR for other files.",
        )
    return Finding(
        path, None, None, "pr-changes-other", "error", f"This PR changes {path}. {SPLIT}"
    )


def _modified(path: str) -> Finding:
    return Finding(
        path,
        None,
        None,
        "request-modified",
        "error",
        f"{path} is already on the base branch and a request there is immutable once granted. "
        "Revert this change; to extend or change access, add a new request file with a new name.",
    )


def _renamed(f: PullFile) -> Finding:
    return Finding(
        f.filename,
        None,
        None,
        "request-renamed",
        "error",
        f"{f.filename} renames {f.previous_filename}, a request already on the base branch, and "
        "granted requests are immutable. Revert the rename; to extend access add a new request "
        "file, and to withdraw access delete the old file in its own PR.",
    )


def check_file_type(f: FileAtRef) -> Finding | None:
    """A request file must be a regular file at the head commit (no symlink, no submodule)."""
    if f.type == "file":
        return None
    if f.type == "symlink":
        code, what = "request-symlink", "is a symbolic link"
    elif f.type == "submodule":
        code, what = "request-submodule", "is a git submodule"
    elif f.type == "dir":
        code, what = "request-not-a-file", "is a directory"
    else:
        code, what = "request-missing", "is missing at the PR's head commit"
    return Finding(
        f.path,
        None,
        None,
        code,
        "error",
        f"{f.path} {what}; a request must be a regular YAML file. "
        "Replace it with a plain file holding the request.",
    )


def check_requester(request: Request, author: str) -> Finding | None:
    """Only the person who gets access may ask for it: the requester must be the PR author."""
    if request.requester.lower() == author.lower():
        return None
    return Finding(
        request.path,
        request.line_of("requester"),
        request.column_of("requester"),
        "requester-not-author",
        "error",
        f"The requester is {request.requester!r} but this PR was opened by {author!r}; only the "
        f"person who gets access may request it. {request.requester} must open their own PR.",
    )


def withdrawal_principals(
    request: Request | None, policies: Policies, settings: Settings
) -> tuple[Principal, ...]:
    """Who may withdraw ``request`` for someone else: the resource's revokers and settings'."""
    resource = policies.resources.get(request.resource) if request else None
    found = (resource.revokers if resource else ()) + settings.revokers
    return tuple(dict.fromkeys(found))


def check_withdrawal(
    path: str,
    request: Request | None,
    author: str,
    revokers: Sequence[Principal],
    teams: Mapping[str, frozenset[str]],
) -> Finding | None:
    """Deleting your own request is always allowed; someone else's needs a revoker.

    ``request`` is the file as it is on the base branch (None when it does not parse there);
    ``teams`` maps "org/slug" to active members, and a team missing from it counts as empty.
    """
    owner = request.requester if request else path.split("/")[1]
    if owner.lower() == author.lower() or is_member(author, revokers, teams):
        return None
    names = ", ".join(p.name for p in revokers) or "nobody (no revokers are configured)"
    return Finding(
        path,
        None,
        None,
        "withdraw-not-allowed",
        "error",
        f"{author} may not withdraw a request of {owner}: only the requester or a revoker of "
        f"this resource ({names}) may delete it. Restore the file, or ask {owner} or a revoker "
        "to withdraw it.",
    )


def is_member(
    login: str, principals: Iterable[Principal], teams: Mapping[str, frozenset[str]]
) -> bool:
    """Whether ``login`` is one of ``principals``, directly or as an active team member."""
    needle = login.lower()
    for p in principals:
        if p.is_team:
            if needle in {m.lower() for m in teams.get(p.name, frozenset())}:
                return True
        elif p.name.lower() == needle:
            return True
    return False
