"""The fake GitHub's state and how routes read and render it; ``FakeGitHub`` (in ``github``)
adds the builders tests use to change it."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

from tests.fakes import github_json as js
from tests.fakes import github_json_pulls as jp
from tests.fakes.github_http import FakeHttp
from tests.fakes.github_routes import HttpError, not_found
from tests.fakes.github_routes_admin import Environment
from tests.fakes.github_state import (
    Comment,
    Commit,
    FileChange,
    FileDiff,
    Org,
    Pull,
    Repo,
    Review,
    Status,
    Team,
    Token,
    Tree,
    User,
    apply_changes,
    diff_trees,
)

BASE_URL = "https://github.fake/api/v3"
PullRef = Pull | int


class GitHubStore(FakeHttp):
    """One organisation with one repository (plus forks), its people, teams and tokens."""

    ACTIONS_TOKEN = "ghs_fakeActionsToken0001"  # like GITHUB_TOKEN: no org scope
    APP_TOKEN = "ghs_fakeAppInstallToken01"  # an App installation token with Members: read

    def __init__(
        self,
        base_url: str = BASE_URL,
        *,
        repository: str = "acme/access",
        default_branch: str = "main",
        files: Mapping[str, FileChange] | None = None,
        dismiss_stale_reviews: bool = False,
    ) -> None:
        parsed = urlparse(base_url)
        super().__init__(base_url.rstrip("/"), parsed.path.rstrip("/"))
        self.urls = js.Urls(api=self.base_url, web=f"{parsed.scheme}://{parsed.netloc}")
        self.epoch = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
        self.now = self.epoch
        self.dismiss_stale_reviews = dismiss_stale_reviews
        self._ids = itertools.count(1001)
        self._numbers = itertools.count(1)
        self.users: dict[str, User] = {}
        self.orgs: dict[str, Org] = {}
        self.teams: dict[tuple[str, str], Team] = {}
        self.commits: dict[str, Commit] = {}
        self.pulls: dict[int, Pull] = {}
        self.comments: dict[int, Comment] = {}
        self.statuses: list[Status] = []
        self.forks: dict[str, Repo] = {}
        self._diffs: dict[tuple[str, str], list[FileDiff]] = {}
        #: What ``jit doctor`` reads (``github_routes_admin``): main's rules, environments,
        #: and the tokens that may list an environment's secrets (``Secrets: read``).
        self.branch_rules: list[dict[str, object]] = []
        self.environments: dict[str, Environment] = {}
        self.secret_readers: set[str] = set()
        #: Where a branch the fake does not know comes from (a test's bare git remote): its
        #: files, or None when there is no such branch (``POST /pulls`` looks it up).
        self.branch_source: Callable[[str], Mapping[str, str | None] | None] | None = None
        owner, name = repository.split("/", 1)
        self.orgs[owner] = Org(owner, self.next_id())
        self.user(owner, type="Organization", collaborator=False)
        self.repo = Repo(owner, name, self.next_id(), default_branch)
        root = self._commit(
            apply_changes({}, dict(files or {"README.md": "# access\n"})),
            [],
            "Initial commit",
            owner,
        )
        self.repo.branches[default_branch] = root
        self.add_token(self.ACTIONS_TOKEN, "github-actions[bot]")
        self.add_token(self.APP_TOKEN, "jit-app[bot]", org_scope=True)

    def next_id(self) -> int:
        return next(self._ids)

    def tick(self, seconds: int = 1) -> datetime:
        """Advance the fake clock (data timestamps only) and return the new time."""
        self.now += timedelta(seconds=seconds)
        return self.now

    def user(
        self,
        login: str,
        *,
        type: str | None = None,
        keys: Sequence[str] | None = None,
        collaborator: bool = True,
    ) -> User:
        """Get or create a user; logins ending in ``[bot]`` are Bots. Collaborators by default."""
        rec = self.users.get(login)
        if rec is None:
            kind = type or ("Bot" if login.endswith("[bot]") else "User")
            rec = self.users[login] = User(login, self.next_id(), kind)
            if collaborator and kind == "User":
                self.repo.collaborators.add(login)
        if keys is not None:
            rec.keys = list(keys)
        return rec

    def add_token(
        self, value: str, login: str, *, org_scope: bool = False, read_only: bool = False
    ) -> Token:
        self.user(login)
        token = self.tokens[value] = Token(value, login, org_scope, read_only)
        return token

    def _commit(
        self,
        tree: Tree,
        parents: list[str],
        message: str,
        author: str,
        committer: str | None = None,
    ) -> str:
        seed = f"commit {self.next_id()} {message}".encode()
        sha = hashlib.sha1(seed, usedforsecurity=False).hexdigest()
        self.commits[sha] = Commit(sha, tree, parents, message, author, self.tick(), committer)
        return sha

    @property
    def main_sha(self) -> str:
        return self.repo.branches[self.repo.default_branch]

    def tree(self, ref: str | None = None) -> Tree:
        return self.commits[self.resolve_ref(ref or self.repo.default_branch)].tree

    def pull(self, pr: PullRef) -> Pull:
        return pr if isinstance(pr, Pull) else self.pulls[pr]

    def comments_on(self, pr: PullRef) -> list[Comment]:
        number = self.pull(pr).number
        return [c for c in self.comments.values() if c.issue == number]

    def statuses_for(self, sha: str, context: str | None = None) -> list[Status]:
        return [s for s in self.statuses if s.sha == sha and context in (None, s.context)]

    def latest_status(self, sha: str, context: str) -> Status | None:
        found = self.statuses_for(sha, context)
        return found[-1] if found else None

    def require_repo(self, owner: str, name: str) -> Repo:
        if (owner, name) != (self.repo.owner, self.repo.name):
            raise not_found()
        return self.repo

    def resolve_ref(self, ref: str) -> str:
        name = ref.removeprefix("refs/heads/")
        if name in self.repo.branches:
            return self.repo.branches[name]
        matches = [sha for sha in self.commits if sha.startswith(ref)] if len(ref) >= 7 else []
        if len(matches) != 1:
            raise HttpError(404, f"No commit found for the ref {ref}")
        return matches[0]

    def diff(self, base: str, head: str) -> list[FileDiff]:
        """The files changed from ``base`` to ``head`` (cached: commits never change)."""
        key = (base, head)
        if key not in self._diffs:
            self._diffs[key] = diff_trees(self.commits[base].tree, self.commits[head].tree)
        return self._diffs[key]

    def history(self, sha: str) -> list[str]:
        seen, todo = [], [sha]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.append(current)
                todo += self.commits[current].parents
        return seen

    def pull_commits(self, pr: Pull) -> list[str]:
        base = set(self.history(pr.base_sha))
        return [sha for sha in reversed(self.history(pr.head_sha)) if sha not in base]

    def pulls_with_commit(self, sha: str) -> list[Pull]:
        """Merged PRs that brought ``sha`` to main; off main, open and merged PRs containing it."""
        on_main = sha in self.history(self.main_sha)
        found = []
        for pr in self.pulls.values():
            contains = sha == pr.merge_commit_sha or sha in self.pull_commits(pr)
            if contains and (pr.merged or (not on_main and pr.state == "open")):
                found.append(pr)
        return found

    def render_repo(self, repo: Repo) -> js.Json:
        return js.repo(self.urls, repo, self.user(repo.owner), self.epoch)

    def render_teams(self, slugs: Sequence[str]) -> list[js.Json]:
        org = self.orgs[self.repo.owner]
        return [js.team(self.urls, org, self.teams[(org.login, s)]) for s in slugs]

    def render_team(self, team: Team) -> js.Json:
        return js.team_full(self.urls, self.orgs[team.org], team, self.epoch)

    def render_pull(self, pr: Pull, *, simple: bool) -> js.Json:
        base = self.render_repo(self.repo)
        head = (
            base
            if pr.head_repo == self.repo.full_name
            else self.render_repo(self.forks[pr.head_repo])
        )
        parts = jp.PullParts(base, head, self.render_teams(pr.requested_teams), self.users)
        return jp.pull(self.urls, pr, parts, simple=simple)

    def render_review(self, number: int, review: Review) -> js.Json:
        return jp.review(self.urls, self.repo.full_name, number, review, self.users[review.login])

    def render_comment(self, rec: Comment) -> js.Json:
        return jp.comment(self.urls, self.repo.full_name, rec, self.users[rec.login])

    def render_status(self, rec: Status) -> js.Json:
        return jp.status(self.urls, self.repo.full_name, rec, self.users[rec.creator])

    def render_commit(self, sha: str, *, files: bool) -> js.Json:
        rec = self.commits[sha]
        rows: list[js.Json] = []
        if files:
            changed = self.diff(rec.parents[0], sha) if rec.parents else diff_trees({}, rec.tree)
            full = self.repo.full_name
            rows = [jp.diff_entry(self.urls, full, sha, r) for r in changed]
        people = (self.user(rec.author), self.user(rec.committer or rec.author))
        return jp.commit(self.urls, self.repo.full_name, rec, people, rows)
