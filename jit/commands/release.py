"""``jit release REQUEST``: hand access back early by opening the PR that deletes my request
file (a branch from main with the deletion, pushed, and the PR opened). Merging it withdraws
the request; the next reconcile run revokes the grant.

Exit codes: 0 the PR is open; 1 the request is not mine or not on main; 2 usage; 4 git or
GitHub failed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from jit.errors import EXIT_OK, JitError, UsageError
from jit.parse.values import check_request_path
from jit.policy.members import same_login
from jit.ports import RequesterPort
from jit.requester import draft as drafts

BASE = "main"


def run(
    repo: Path,
    given: str,
    *,
    github: Callable[[], RequesterPort],
    now: datetime,
    out: TextIO,
) -> int:
    from jit.adapters.git import Git

    if not repo.is_dir():
        raise UsageError(f"--repo {repo} is not a directory")
    client = github()
    me = client.login()
    rel = drafts.request_path(given if "/" in given else f"{me}/{given}")
    if rel is None or check_request_path(rel) is not None:
        raise UsageError(
            f"{given!r} is not a request: name it like requests/{me}/incident-4711 (its id), "
            f"its file path, or just incident-4711"
        )
    owner = rel.split("/")[1]
    request_id = rel.removesuffix(".yaml")
    if not same_login(owner, me):
        raise JitError(
            f"{request_id} is {owner}'s request, not yours ({me}), so jit release will not "
            "withdraw it; its requester can, or a revoker by opening a PR that deletes it."
        )
    git = Git(repo)
    git.fetch()
    main = f"refs/remotes/{git.remote}/{BASE}"
    if git.show(rel, main) is None:
        raise JitError(
            f"{rel} is not on {BASE} (not merged yet, or already withdrawn), so there is no "
            "access to hand back; to drop a request that is still a pull request, close it."
        )
    branch = f"jit/{me.lower()}/release-{Path(rel).stem}"
    sha = git.commit_on(
        main,
        {rel: None},
        f"Hand back {request_id}\n\nDeletes {rel}, written by jit release.\n",
        now,
    )
    git.push_to(sha, branch)
    pr = client.create_pull(
        drafts.release_title(request_id), drafts.release_body(rel), branch, BASE
    )
    out.write(
        f"Opened {pr.html_url} to hand back {request_id} (branch {branch}). Once it is merged, "
        "the next reconcile run revokes the access.\n"
    )
    return EXIT_OK
