"""GitHub Actions event payloads (``GITHUB_EVENT_PATH``) that agree with a ``FakeGitHub``.

Each payload starts from a real example in ``../shared/contracts/github/webhook-examples.json``
(so tests skip without the contracts, and fail under ``JIT_REQUIRE_CONTRACTS=1``), rebased onto
the fake's hosts and repository, then patched with the fake's state: the PR's number, author,
head and base, draft and merge state, the review, the pushed commits. Payloads the examples lack
(a merged ``closed``, an approved review, a push to main) are derived from the nearest example;
``tests/adapters/github/test_events.py`` validates them against the spec's ``x-webhooks`` schemas.

    events = Events(fake)
    path = events.write(tmp_path, events.pull_request(pr, "opened"))
    env = events.env("pull_request", path, pr=pr)      # GITHUB_* variables for `jit pr`
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from tests.contracts import webhook_examples
from tests.fakes import github_json as js
from tests.fakes.github import FakeGitHub
from tests.fakes.github_state import Pull, Review, User

Json = dict[str, Any]
_PULL_FIELDS = [
    "url",
    "id",
    "node_id",
    "html_url",
    "diff_url",
    "patch_url",
    "issue_url",
    "number",
    "state",
    "locked",
    "title",
    "body",
    "created_at",
    "updated_at",
    "closed_at",
    "merged_at",
    "merge_commit_sha",
    "draft",
    "merged",
    "commits_url",
    "review_comments_url",
    "review_comment_url",
    "comments_url",
    "statuses_url",
    "author_association",
]


def _example(event: str, action: str | None = None) -> Json:
    """A deep copy of the first example of ``event`` (with ``action``)."""
    for example in webhook_examples()[event]:
        if action is None or example.get("action") == action:
            return copy.deepcopy(example)
    raise LookupError(f"webhook-examples.json has no {event} example with action {action!r}")


def _replace_strings(node: Any, old: str, new: str) -> Any:
    if isinstance(node, str):
        return node.replace(old, new)
    if isinstance(node, list):
        return [_replace_strings(item, old, new) for item in node]
    if isinstance(node, dict):
        return {k: _replace_strings(v, old, new) for k, v in node.items()}
    return node


class Events:
    """Builds payloads for one fake; every method returns a fresh ``dict``."""

    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake

    # --- building blocks ---------------------------------------------------------------------

    def _rebase(self, example: Json) -> Json:
        """Move an example onto the fake's hosts and repository name."""
        repo = example.get("repository") or {}
        if repo.get("full_name"):
            example = _replace_strings(example, repo["full_name"], self.fake.repo.full_name)
        example = _replace_strings(example, "https://api.github.com", self.fake.base_url)
        example = _replace_strings(example, "https://github.com", self.fake.urls.web)
        if "repository" in example:
            example["repository"] = self._repo(example["repository"], self.fake.repo.full_name)
        return example

    def _user(self, template: Json, rec: User) -> Json:
        old = template.get("login", "")
        user = _replace_strings(template, f"/{old}", f"/{rec.login}") if old else dict(template)
        user.update({"login": rec.login, "id": rec.id, "type": rec.type})
        user["node_id"] = js.node_id("User", rec.id)
        if "name" in user:
            user["name"] = rec.login
        if "email" in user:
            user["email"] = f"{rec.login}@users.noreply.fake"
        return user  # type: ignore[no-any-return]

    def _repo(self, template: Json, full_name: str) -> Json:
        owner_login, name = full_name.split("/", 1)
        rec = (
            self.fake.repo if full_name == self.fake.repo.full_name else self.fake.forks[full_name]
        )
        repo = _replace_strings(template, template["full_name"], full_name)
        repo.update({"id": rec.id, "name": name, "full_name": full_name, "fork": rec.fork})
        repo["node_id"] = js.node_id("Repository", rec.id)
        repo["owner"] = self._user(template["owner"], self.fake.user(owner_login))
        if "default_branch" in repo:
            repo["default_branch"] = self.fake.repo.default_branch
        # Fields the (older) examples lack but today's webhook schemas require.
        repo.setdefault("has_discussions", False)
        repo.setdefault("topics", [])
        repo.setdefault("visibility", "private" if repo.get("private") else "public")
        return repo  # type: ignore[no-any-return]

    def _pull(self, template: Json, pr: Pull) -> Json:
        rendered = self.fake.render_pull(pr, simple=False)
        out = dict(template)
        out.update({k: rendered[k] for k in _PULL_FIELDS if k in template and k in rendered})
        out.update({"draft": pr.draft, "auto_merge": None})  # absent from older examples
        out.setdefault("active_lock_reason", None)
        out["user"] = self._user(template["user"], self.fake.users[pr.author])
        who = template["user"]
        out["requested_reviewers"] = [
            self._user(who, self.fake.users[u]) for u in pr.requested_users
        ]
        out["requested_teams"] = []  # a team object would need the org's; jit reads the API
        if "merged_by" in template:
            merger = self.fake.users.get(pr.merged_by or "")
            out["merged_by"] = self._user(who, merger) if merger else None
        for side, sha, ref, full in (
            ("head", pr.head_sha, pr.head_ref, pr.head_repo),
            ("base", pr.base_sha, pr.base_ref, self.fake.repo.full_name),
        ):
            part = dict(template[side])
            part["repo"] = self._repo(template[side]["repo"], full)
            part["user"] = part["repo"]["owner"]
            part.update({"sha": sha, "ref": ref, "label": f"{full.split('/')[0]}:{ref}"})
            out[side] = part
        return out

    # --- payloads ----------------------------------------------------------------------------

    def pull_request(
        self, pr: Pull, action: str = "opened", *, sender: str | None = None, before: str = ""
    ) -> Json:
        """``pull_request`` / ``pull_request_target``: opened, synchronize (``before`` the old
        head), reopened, ready_for_review, edited, closed (merged when the fake merged it)."""
        base = _example("pull_request", action if action != "edited" else "opened")
        payload = self._rebase(base)
        payload.update({"action": action, "number": pr.number})
        payload["pull_request"] = self._pull(payload["pull_request"], pr)
        login = sender or (pr.merged_by if action == "closed" and pr.merged else pr.author)
        payload["sender"] = self._user(payload["sender"], self.fake.user(login or pr.author))
        if action == "synchronize":
            payload.update({"before": before or pr.base_sha, "after": pr.head_sha})
        if action == "edited":
            payload["changes"] = {"title": {"from": "Request access (draft)"}}
        return payload

    def review(self, pr: Pull, review: Review, action: str = "submitted") -> Json:
        """``pull_request_review`` submitted / dismissed / edited for ``review`` on ``pr``."""
        payload = self._rebase(_example("pull_request_review", action))
        payload["action"] = action
        payload["pull_request"] = self._pull(payload["pull_request"], pr)
        rendered = self.fake.render_review(pr.number, review)
        shown = dict(payload["review"])
        shown.update({k: rendered[k] for k in ("id", "node_id", "body", "commit_id", "html_url",
                                               "pull_request_url", "_links")})  # fmt: skip
        shown["submitted_at"] = js.iso(review.submitted_at)
        shown["state"] = review.state.lower()  # webhooks use lower case, the REST API upper
        shown["user"] = self._user(payload["review"]["user"], self.fake.users[review.login])
        payload["review"] = shown
        payload["sender"] = self._user(payload["sender"], self.fake.users[review.login])
        return payload

    def push(
        self, before: str, after: str, *, ref: str | None = None, pusher: str = "admin"
    ) -> Json:
        """A push of ``before..after`` to ``ref`` (default: the default branch)."""
        payload = self._rebase(next(e for e in webhook_examples()["push"] if e.get("commits")))
        template = payload["head_commit"]
        new = [
            sha
            for sha in reversed(self.fake.history(after))
            if sha not in self.fake.history(before)
        ]
        commits = [self._push_commit(template, sha) for sha in new]
        payload.update(
            {
                "ref": ref or f"refs/heads/{self.fake.repo.default_branch}",
                "before": before,
                "after": after,
                "created": False,
                "deleted": False,
                "forced": False,
                "base_ref": None,
                "compare": f"{self.fake.urls.web}/{self.fake.repo.full_name}/compare/{before[:12]}...{after[:12]}",
                "commits": commits,
                "head_commit": commits[-1] if commits else None,
            }
        )
        user = self.fake.user(pusher)
        payload["pusher"] = {"name": user.login, "email": f"{user.login}@users.noreply.fake"}
        payload["sender"] = self._user(payload["sender"], user)
        return payload

    def _push_commit(self, template: Json, sha: str) -> Json:
        rec = self.fake.commits[sha]
        parent = rec.parents[0] if rec.parents else None
        rows = self.fake.diff(parent, sha) if parent else []
        person = {
            "name": rec.author,
            "email": f"{rec.author}@users.noreply.fake",
            "username": rec.author,
        }
        return {
            **template,
            "id": sha,
            "tree_id": hashlib.sha1(f"tree {sha}".encode(), usedforsecurity=False).hexdigest(),
            "distinct": True,
            "message": rec.message,
            "timestamp": js.iso(rec.date),
            "url": f"{self.fake.urls.web}/{self.fake.repo.full_name}/commit/{sha}",
            "author": person,
            "committer": person,
            "added": [r.filename for r in rows if r.status == "added"],
            "removed": [r.filename for r in rows if r.status == "removed"],
            "modified": [r.filename for r in rows if r.status in ("modified", "changed")],
        }

    def workflow_dispatch(
        self, inputs: dict[str, str] | None = None, *, ref: str | None = None,
        workflow: str = ".github/workflows/reconcile.yml", sender: str = "admin",
    ) -> Json:  # fmt: skip
        payload = self._rebase(_example("workflow_dispatch"))
        payload.update({"inputs": dict(inputs or {}), "workflow": workflow})
        payload["ref"] = ref or f"refs/heads/{self.fake.repo.default_branch}"
        payload["sender"] = self._user(payload["sender"], self.fake.user(sender))
        return payload

    @staticmethod
    def schedule(cron: str = "*/15 * * * *") -> Json:
        """A scheduled run's payload: no webhook exists for it, only ``github.event.schedule``."""
        return {"schedule": cron}

    def workflow_run(
        self, pr: Pull, *, conclusion: str = "success", event: str = "pull_request"
    ) -> Json:
        """``workflow_run`` completed after a ``pull_request`` run on ``pr``'s head. For a fork
        PR GitHub leaves ``pull_requests`` empty, as it does here."""
        payload = self._rebase(_example("workflow_run", "completed"))
        run = payload["workflow_run"]
        run.update({"head_sha": pr.head_sha, "head_branch": pr.head_ref, "event": event,
                    "conclusion": conclusion, "status": "completed"})  # fmt: skip
        run["repository"] = payload["repository"]
        run["head_repository"] = self._repo(run["head_repository"], pr.head_repo)
        run["path"] = ".github/workflows/validate.yml"
        run["actor"] = run["triggering_actor"] = self._user(
            payload["sender"], self.fake.users[pr.author]
        )
        run["pull_requests"] = []
        if pr.head_repo == self.fake.repo.full_name:
            api = self.fake.urls.repo(self.fake.repo.full_name)
            short = {"id": payload["repository"]["id"], "name": self.fake.repo.name, "url": api}
            run["pull_requests"] = [
                {
                    "id": pr.id,
                    "number": pr.number,
                    "url": f"{api}/pulls/{pr.number}",
                    "head": {"ref": pr.head_ref, "sha": pr.head_sha, "repo": short},
                    "base": {"ref": pr.base_ref, "sha": pr.base_sha, "repo": short},
                }
            ]
        return payload

    # --- the Actions side --------------------------------------------------------------------

    @staticmethod
    def write(directory: Path, payload: Json, name: str = "event.json") -> Path:
        path = directory / name
        path.write_text(json.dumps(payload, indent=2))
        return path

    def env(
        self,
        event_name: str,
        event_path: Path,
        *,
        pr: Pull | None = None,
        token: str | None = None,
        summary: Path | None = None,
    ) -> dict[str, str]:
        """The variables a runner sets. For PR events ``GITHUB_SHA`` is the test merge commit,
        which the fake does not know, so a status posted to it fails as on GitHub."""
        env = {
            **self.fake.env(token),
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_RUN_ID": "4242",
            "GITHUB_SHA": self.fake.main_sha,
            "GITHUB_REF": f"refs/heads/{self.fake.repo.default_branch}",
        }
        if pr is not None and event_name.startswith("pull_request"):
            merge = hashlib.sha1(f"merge {pr.head_sha}".encode(), usedforsecurity=False)
            env["GITHUB_SHA"] = merge.hexdigest()
            env["GITHUB_REF"] = f"refs/pull/{pr.number}/merge"
            if event_name == "pull_request_target":
                env["GITHUB_SHA"] = self.fake.main_sha
                env["GITHUB_REF"] = f"refs/heads/{self.fake.repo.default_branch}"
        if summary is not None:
            env["GITHUB_STEP_SUMMARY"] = str(summary)
        return env
