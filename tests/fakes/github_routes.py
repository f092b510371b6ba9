"""The fake GitHub's REST routes: one small handler per operation PyGithub calls for jit.

A handler takes the fake and a parsed request and returns ``(status, body)``; ``FakeGitHub``
adds auth, fault injection, the request log, pagination headers and rate-limit headers.
Errors use GitHub's real status codes and messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fakes import github_json as js
from tests.fakes import github_json_pulls as jp
from tests.fakes.github_state import Status, Token

if TYPE_CHECKING:
    from tests.fakes.github import FakeGitHub


class HttpError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {**js.error(message, status), **extra}


def not_found() -> HttpError:
    return HttpError(404, "Not Found")


def no_integration_access() -> HttpError:
    return HttpError(403, "Resource not accessible by integration")


@dataclass
class Req:
    method: str
    path: str  # without the API prefix, e.g. /repos/acme/access/pulls/1
    query: dict[str, str]
    body: Any
    token: Token
    params: dict[str, str] = field(default_factory=dict)


Result = tuple[int, Any]
Handler = Callable[["FakeGitHub", Req], Result]
ROUTES: list[tuple[str, re.Pattern[str], Handler, bool]] = []  # method, path, handler, paginated

_SEG = r"(?P<{}>[^/]+)"
_REPO = "/repos/" + _SEG.format("owner") + "/" + _SEG.format("repo")


def route(method: str, pattern: str, *, paginated: bool = False) -> Callable[[Handler], Handler]:
    regex = re.compile(
        pattern.replace("{repo}", _REPO)
        .replace("{path}", "(?P<path>.*)")
        .replace("{", "(?P<")
        .replace("}", ">[^/]+)")
        + "$"
    )

    def register(handler: Handler) -> Handler:
        ROUTES.append((method, regex, handler, paginated))
        return handler

    return register


def find_pull(fake: FakeGitHub, req: Req) -> Any:
    fake.require_repo(req.params["owner"], req.params["repo"])
    pr = fake.pulls.get(int(req.params["number"])) if req.params["number"].isdigit() else None
    if pr is None:
        raise not_found()
    return pr


# --- repositories and pulls ---------------------------------------------------------------


@route("GET", "{repo}")
def get_repo(fake: FakeGitHub, req: Req) -> Result:
    return 200, fake.render_repo(fake.require_repo(req.params["owner"], req.params["repo"]))


@route("GET", "{repo}/pulls/{number}")
def get_pull(fake: FakeGitHub, req: Req) -> Result:
    return 200, fake.render_pull(find_pull(fake, req), simple=False)


@route("GET", "{repo}/pulls/{number}/files", paginated=True)
def list_files(fake: FakeGitHub, req: Req) -> Result:
    pr = find_pull(fake, req)
    rows = fake.diff(pr.base_sha, pr.head_sha)[:3000]
    return 200, [jp.diff_entry(fake.urls, fake.repo.full_name, pr.head_sha, r) for r in rows]


@route("GET", "{repo}/pulls/{number}/commits", paginated=True)
def list_pull_commits(fake: FakeGitHub, req: Req) -> Result:
    pr = find_pull(fake, req)
    return 200, [fake.render_commit(sha, files=False) for sha in fake.pull_commits(pr)][:250]


@route("GET", "{repo}/pulls/{number}/reviews", paginated=True)
def list_reviews(fake: FakeGitHub, req: Req) -> Result:
    pr = find_pull(fake, req)
    visible = [r for r in pr.reviews if r.state != "PENDING" or r.login == req.token.login]
    return 200, [fake.render_review(pr.number, r) for r in visible]


def _review(fake: FakeGitHub, req: Req) -> tuple[Any, Any]:
    pr = find_pull(fake, req)
    review = next((r for r in pr.reviews if str(r.id) == req.params["review_id"]), None)
    if review is None:
        raise not_found()
    return pr, review


@route("GET", "{repo}/pulls/{number}/reviews/{review_id}")
def get_review(fake: FakeGitHub, req: Req) -> Result:
    pr, review = _review(fake, req)
    return 200, fake.render_review(pr.number, review)


@route("PUT", "{repo}/pulls/{number}/reviews/{review_id}/dismissals")
def dismiss_review(fake: FakeGitHub, req: Req) -> Result:
    pr, review = _review(fake, req)
    if review.state not in ("APPROVED", "CHANGES_REQUESTED"):
        raise HttpError(422, "Can not dismiss a commented pull request review")
    review.state = "DISMISSED"
    return 200, fake.render_review(pr.number, review)


@route("GET", "{repo}/pulls/{number}/requested_reviewers")
def list_requested(fake: FakeGitHub, req: Req) -> Result:
    pr = find_pull(fake, req)
    users = [js.user(fake.urls, fake.users[login]) for login in pr.requested_users]
    return 200, {"users": users, "teams": fake.render_teams(pr.requested_teams)}


@route("POST", "{repo}/pulls/{number}/requested_reviewers")
def request_reviewers(fake: FakeGitHub, req: Req) -> Result:
    pr = find_pull(fake, req)
    body = req.body or {}
    users, teams = list(body.get("reviewers") or []), list(body.get("team_reviewers") or [])
    not_collaborator = HttpError(
        422,
        "Reviews may only be requested from collaborators. One or more of the users or teams "
        f"you specified is not a collaborator of the {fake.repo.full_name} repository.",
    )
    if any(u.lower() == pr.author.lower() for u in users):
        raise HttpError(422, "Review cannot be requested from pull request author.")
    if teams and not req.token.org_scope:
        raise HttpError(422, f"Could not resolve to a node with the global id of '{teams[0]}'.")
    if any(u not in fake.repo.collaborators for u in users):
        raise not_collaborator
    if any((fake.repo.owner, t) not in fake.teams for t in teams):
        raise not_collaborator
    pr.requested_users += [u for u in users if u not in pr.requested_users]
    pr.requested_teams += [t for t in teams if t not in pr.requested_teams]
    return 201, fake.render_pull(pr, simple=True)


@route("GET", "{repo}/commits/{ref}")
def get_commit(fake: FakeGitHub, req: Req) -> Result:
    fake.require_repo(req.params["owner"], req.params["repo"])
    return 200, fake.render_commit(fake.resolve_ref(req.params["ref"]), files=True)


@route("GET", "{repo}/pulls", paginated=True)
def list_pulls(fake: FakeGitHub, req: Req) -> Result:
    fake.require_repo(req.params["owner"], req.params["repo"])
    state = req.query.get("state", "open")
    pulls = [pr for pr in fake.pulls.values() if state == "all" or pr.state == state]
    pulls.sort(key=lambda pr: (pr.updated_at, pr.number), reverse=True)  # sort=updated, desc
    return 200, [fake.render_pull(pr, simple=True) for pr in pulls]


@route("GET", "{repo}/commits/{sha}/pulls", paginated=True)
def pulls_for_commit(fake: FakeGitHub, req: Req) -> Result:
    fake.require_repo(req.params["owner"], req.params["repo"])
    sha = fake.resolve_ref(req.params["sha"])
    return 200, [fake.render_pull(pr, simple=True) for pr in fake.pulls_with_commit(sha)]


@route("GET", "{repo}/statuses/{ref}", paginated=True)  # the older alias PyGithub uses
@route("GET", "{repo}/commits/{ref}/statuses", paginated=True)
def list_statuses(fake: FakeGitHub, req: Req) -> Result:
    fake.require_repo(req.params["owner"], req.params["repo"])
    sha = fake.resolve_ref(req.params["ref"])
    found = [s for s in reversed(fake.statuses) if s.sha == sha]
    return 200, [fake.render_status(s) for s in found]


@route("POST", "{repo}/statuses/{sha}")
def create_status(fake: FakeGitHub, req: Req) -> Result:
    fake.require_repo(req.params["owner"], req.params["repo"])
    sha, body = req.params["sha"], req.body or {}
    if sha not in fake.commits:
        raise HttpError(422, f"No commit found for SHA: {sha}")
    if body.get("state") not in ("error", "failure", "pending", "success"):
        raise HttpError(
            422,
            "Validation Failed",
            errors=[
                {
                    "resource": "Status",
                    "field": "state",
                    "code": "custom",
                    "message": "state is not included in the list",
                }
            ],
        )
    description = body.get("description")
    if description is not None and len(description) > 140:
        raise HttpError(
            422,
            "Validation Failed",
            errors=[
                {
                    "resource": "Status",
                    "code": "custom",
                    "field": "description",
                    "message": "description is too long (maximum is 140 characters)",
                }
            ],
        )
    rec = Status(
        fake.next_id(), sha, body["state"], description, body.get("context") or "default",
        body.get("target_url"), req.token.login, fake.tick(),
    )  # fmt: skip
    fake.statuses.append(rec)
    return 201, fake.render_status(rec)
