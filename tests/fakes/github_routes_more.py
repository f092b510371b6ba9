"""The fake GitHub's routes for issue comments, contents, orgs, teams and users (the pull
request routes and the routing machinery are in ``github_routes``)."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Any

from tests.fakes import github_json as js
from tests.fakes import github_json_pulls as jp
from tests.fakes.github_routes import (
    HttpError,
    Req,
    Result,
    find_pull,
    no_integration_access,
    not_found,
    route,
)
from tests.fakes.github_state import Comment, Symlink

if TYPE_CHECKING:
    from tests.fakes.github import FakeGitHub


# --- issue comments -----------------------------------------------------------------------


@route("GET", "{repo}/issues/{number}")
def get_issue(fake: FakeGitHub, req: Req) -> Result:
    pr = find_pull(fake, req)
    count = len(fake.comments_on(pr))
    return 200, jp.issue(fake.urls, fake.repo.full_name, pr, fake.users[pr.author], count)


@route("GET", "{repo}/issues/{number}/comments", paginated=True)
def list_comments(fake: FakeGitHub, req: Req) -> Result:
    pr = find_pull(fake, req)
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
    pr = find_pull(fake, req)
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
            return 200, jp.content(fake.urls, full, target, ref, tree[target])
    if entry is not None:
        return 200, jp.content(fake.urls, full, path, ref, entry)
    prefix = f"{path}/" if path else ""
    children = sorted({p[len(prefix) :].split("/", 1)[0] for p in tree if p.startswith(prefix)})
    if not children:
        raise not_found()
    items = []
    for name in children:
        child = prefix + name
        item = jp.content(fake.urls, full, child, ref, tree.get(child))
        item.pop("content", None), item.pop("encoding", None), item.pop("target", None)
        item.pop("submodule_git_url", None)
        if item["type"] == "submodule":
            item["type"] = "file"  # GitHub's documented backwards-compatible quirk in listings
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


@route("GET", "/user")
def get_authenticated_user(fake: FakeGitHub, req: Req) -> Result:
    """``users/get-authenticated``. As on GitHub, an App installation token or GITHUB_TOKEN
    (a ``[bot]`` identity here) may not call it: 403 "Resource not accessible by integration"."""
    if req.token.login.endswith("[bot]"):
        raise HttpError(403, "Resource not accessible by integration")
    return 200, js.public_user(fake.urls, fake.user(req.token.login), fake.epoch)


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
