"""The fake GitHub's ``POST /repos/{owner}/{repo}/pulls`` (pulls/create), as GitHub answers it:
201 with the full pull request; 422 "Validation Failed" when ``title``, ``head`` or ``base`` is
missing or names no branch, "A pull request already exists for owner:branch." for a second
open PR from the same branch, and "No commits between main and branch" when they do not
differ.

A branch the fake does not know is looked up through ``FakeGitHub.branch_source`` (a test's
bare git remote, which plays GitHub's copy of the repository), so a real ``git push`` followed
by this call behaves as on GitHub.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.fakes.github_routes import HttpError, Req, Result, route
from tests.fakes.github_state import Pull, apply_changes

if TYPE_CHECKING:
    from tests.fakes.github import FakeGitHub


def _invalid(field: str, code: str = "invalid", message: str | None = None) -> HttpError:
    error: dict[str, Any] = {"resource": "PullRequest", "field": field, "code": code}
    if message is not None:
        error = {"resource": "PullRequest", "code": "custom", "message": message}
    return HttpError(422, "Validation Failed", errors=[error])


def _branch(fake: FakeGitHub, name: str, author: str) -> str | None:
    sha = fake.repo.branches.get(name)
    source = fake.branch_source
    if sha is None and source is not None:
        files = source(name)
        if files is None:
            return None
        tree = apply_changes({}, {k: v for k, v in files.items() if v is not None})
        sha = fake._commit(tree, [fake.main_sha], f"Push {name}", author)
        fake.repo.branches[name] = sha
    return sha


@route("POST", "{repo}/pulls")
def create_pull(fake: FakeGitHub, req: Req) -> Result:
    repo = fake.require_repo(req.params["owner"], req.params["repo"])
    body = req.body if isinstance(req.body, dict) else {}
    for field in ("title", "head", "base"):
        if not isinstance(body.get(field), str) or not body[field]:
            raise _invalid(field, "missing_field")
    base, head = body["base"], body["head"].split(":", 1)[-1]
    if base not in repo.branches:
        raise _invalid("base")
    head_sha = _branch(fake, head, req.token.login)
    if head_sha is None:
        raise _invalid("head")
    if any(pr.state == "open" and pr.head_ref == head for pr in fake.pulls.values()):
        raise _invalid("", message=f"A pull request already exists for {repo.owner}:{head}.")
    base_sha = repo.branches[base]
    if not fake.diff(base_sha, head_sha):
        raise _invalid("", message=f"No commits between {base} and {head}")
    number = next(fake._numbers)
    when = fake.tick()
    pr = Pull(
        number, fake.next_id(), req.token.login, body["title"], body.get("body"), base,
        base_sha, head, head_sha, repo.full_name, when, when, bool(body.get("draft", False)),
    )  # fmt: skip
    fake.pulls[number] = pr
    return 201, fake.render_pull(pr, simple=False)
