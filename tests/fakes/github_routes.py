"""The fake GitHub's REST routes: one small handler per operation PyGithub calls for jit.

A handler takes the fake and a parsed request and returns ``(status, body)``; ``FakeGitHub``
adds auth, fault injection, the request log, pagination headers and rate-limit headers.
Errors use GitHub's real status codes and messages.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fakes import github_json as js
from tests.fakes.github_state import Comment, Status, Symlink, Token

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


def _pull(fake: FakeGitHub, req: Req) -> Any:
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
    return 200, fake.render_pull(_pull(fake, req), simple=False)


@route("GET", "{repo}/pulls/{number}/files", paginated=True)
def list_files(fake: FakeGitHub, req: Req) -> Result:
    pr = _pull(fake, req)
    rows = fake.diff(pr.base_sha, pr.head_sha)[:3000]
    return 200, [js.diff_entry(fake.urls, fake.repo.full_name, pr.head_sha, r) for r in rows]


@route("GET", "{repo}/pulls/{number}/commits", paginated=True)
def list_pull_commits(fake: FakeGitHub, req: Req) -> Result:
    pr = _pull(fake, req)
    return 200, [fake.render_commit(sha, files=False) for sha in fake.pull_commits(pr)][:250]


@route("GET", "{repo}/pulls/{number}/reviews", paginated=True)
def list_reviews(fake: FakeGitHub, req: Req) -> Result:
    pr = _pull(fake, req)
    visible = [r for r in pr.reviews if r.state != "PENDING" or r.login == req.token.login]
    return 200, [fake.render_review(pr.number, r) for r in visible]


def _review(fake: FakeGitHub, req: Req) -> tuple[Any, Any]:
    pr = _pull(fake, req)
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
    pr = _pull(fake, req)
    users = [js.user(fake.urls, fake.users[login]) for login in pr.requested_users]
    return 200, {"users": users, "teams": fake.render_teams(pr.requested_teams)}


@route("POST", "{repo}/pulls/{number}/requested_reviewers")
def request_reviewers(fake: FakeGitHub, req: Req) -> Result:
    pr = _pull(fake, req)
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


# --- issue comments -----------------------------------------------------------------------


@route("GET", "{repo}/issues/{number}")
def get_issue(fake: FakeGitHub, req: Req) -> Result:
    pr = _pull(fake, req)
    count = len(fake.comments_on(pr))
    return 200, js.issue(fake.urls, fake.repo.full_name, pr, fake.users[pr.author], count)


@route("GET", "{repo}/issues/{number}/comments", paginated=True)
def list_comments(fake: FakeGitHub, req: Req) -> Result:
    pr = _pull(fake, req)
    return 200, [fake.render_comment(c) for c in fake.comments.values() if c.issue == pr.number]


def _checked_body(req: Req) -> str:
    body = (req.body or {}).get("body")
    if not isinstance(body, str) or not body:
        raise HttpError(
            422,
            "Validation Failed",
            errors=[{"resource": "IssueComment", "code": "missing_field", "field": "body"}],
        )
    if len(body) > 65536:
        raise HttpError(
            422,
            "Validation Failed",
            errors=[
                {
                    "resource": "IssueComment",
                    "code": "custom",
                    "field": "body",
                    "message": "body is too long (maximum is 65536 characters)",
                }
            ],
        )
    return body


@route("POST", "{repo}/issues/{number}/comments")
def create_comment(fake: FakeGitHub, req: Req) -> Result:
    pr = _pull(fake, req)
    when = fake.tick()
    rec = Comment(fake.next_id(), pr.number, req.token.login, _checked_body(req), when, when)
    fake.comments[rec.id] = rec
    return 201, fake.render_comment(rec)


def _comment(fake: FakeGitHub, req: Req) -> Comment:
    fake.require_repo(req.params["owner"], req.params["repo"])
    rec = fake.comments.get(int(req.params["id"])) if req.params["id"].isdigit() else None
    if rec is None:
        raise not_found()
    return rec


@route("GET", "{repo}/issues/comments/{id}")
def get_comment(fake: FakeGitHub, req: Req) -> Result:
    return 200, fake.render_comment(_comment(fake, req))


@route("PATCH", "{repo}/issues/comments/{id}")
def edit_comment(fake: FakeGitHub, req: Req) -> Result:
    rec = _comment(fake, req)
    rec.body, rec.updated_at = _checked_body(req), fake.tick()
    return 200, fake.render_comment(rec)


@route("DELETE", "{repo}/issues/comments/{id}")
def delete_comment(fake: FakeGitHub, req: Req) -> Result:
    del fake.comments[_comment(fake, req).id]
    return 204, None


# --- contents -----------------------------------------------------------------------------


@route("GET", "{repo}/contents/{path}")
def get_contents(fake: FakeGitHub, req: Req) -> Result:
    fake.require_repo(req.params["owner"], req.params["repo"])
    ref = req.query.get("ref") or fake.repo.default_branch
    tree = fake.commits[fake.resolve_ref(ref)].tree
    path = req.params["path"].strip("/")
    full = fake.repo.full_name
    entry = tree.get(path)
    if isinstance(entry, Symlink):  # GitHub follows a link to a regular file in the repo
        target = posixpath.normpath(posixpath.join(posixpath.dirname(path), entry.target))
        if isinstance(tree.get(target), bytes):
            return 200, js.content(fake.urls, full, target, ref, tree[target])
    if entry is not None:
        return 200, js.content(fake.urls, full, path, ref, entry)
    prefix = f"{path}/" if path else ""
    children = sorted({p[len(prefix) :].split("/", 1)[0] for p in tree if p.startswith(prefix)})
    if not children:
        raise not_found()
    items = []
    for name in children:
        child = prefix + name
        item = js.content(fake.urls, full, child, ref, tree.get(child))
        item.pop("content", None), item.pop("encoding", None), item.pop("target", None)
        item.pop("submodule_git_url", None)
        items.append(item)
    return 200, items


# --- orgs, teams, users -------------------------------------------------------------------


@route("GET", "/orgs/{org}")
def get_org(fake: FakeGitHub, req: Req) -> Result:
    rec = fake.orgs.get(req.params["org"])
    if rec is None:
        raise not_found()
    return 200, js.org(fake.urls, rec, fake.epoch)


def _team_by_slug(fake: FakeGitHub, req: Req) -> Any:
    if not req.token.org_scope:
        raise no_integration_access()
    team = fake.teams.get((req.params["org"], req.params["slug"]))
    if team is None:
        raise not_found()
    return team


def _team_by_id(fake: FakeGitHub, req: Req) -> Any:
    if not req.token.org_scope:
        raise no_integration_access()
    for team in fake.teams.values():
        org_ok = "org_id" not in req.params or str(fake.orgs[team.org].id) == req.params["org_id"]
        if str(team.id) == req.params["team_id"] and org_ok:
            return team
    raise not_found()


def _membership(fake: FakeGitHub, req: Req, team: Any) -> Result:
    m = team.members.get(req.params["username"])
    if m is None:
        raise not_found()
    return 200, js.membership(fake.urls, fake.orgs[team.org], team, req.params["username"], m)


@route("GET", "/orgs/{org}/teams/{slug}")
def get_team_by_slug(fake: FakeGitHub, req: Req) -> Result:
    return 200, fake.render_team(_team_by_slug(fake, req))


@route("GET", "/orgs/{org}/teams/{slug}/memberships/{username}")
def membership_by_slug(fake: FakeGitHub, req: Req) -> Result:
    return _membership(fake, req, _team_by_slug(fake, req))


@route("GET", "/teams/{team_id}")
@route("GET", "/organizations/{org_id}/team/{team_id}")
def get_team_by_id(fake: FakeGitHub, req: Req) -> Result:
    return 200, fake.render_team(_team_by_id(fake, req))


@route("GET", "/organizations/{org_id}/team/{team_id}/memberships/{username}")
def membership_by_id(fake: FakeGitHub, req: Req) -> Result:
    return _membership(fake, req, _team_by_id(fake, req))


@route("GET", "/teams/{team_id}/memberships/{username}")
def membership_legacy(fake: FakeGitHub, req: Req) -> Result:
    return _membership(fake, req, _team_by_id(fake, req))


@route("GET", "/teams/{team_id}/members/{username}")
@route("GET", "/organizations/{org_id}/team/{team_id}/members/{username}")
def member_legacy(fake: FakeGitHub, req: Req) -> Result:
    m = _team_by_id(fake, req).members.get(req.params["username"])
    if m is None or m.state != "active":
        raise not_found()
    return 204, None


@route("GET", "/users/{username}")
def get_user(fake: FakeGitHub, req: Req) -> Result:
    rec = fake.users.get(req.params["username"])
    if rec is None:
        raise not_found()
    return 200, js.public_user(fake.urls, rec, fake.epoch)


@route("GET", "/users/{username}/keys", paginated=True)
def list_keys(fake: FakeGitHub, req: Req) -> Result:
    rec = fake.users.get(req.params["username"])
    if rec is None:
        raise not_found()
    return 200, [{"id": rec.id * 100 + i, "key": key} for i, key in enumerate(rec.keys)]
