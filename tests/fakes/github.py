"""A stateful fake GitHub served through ``responses``, faithful where jit depends on it.

    fake = FakeGitHub()                      # repository acme/access, default branch main
    fake.add_team("acme/dba", ["carol"], pending=["dave"])
    pr = fake.add_pull("alice", {"requests/alice/db.yaml": "..."})
    fake.add_review(pr, "carol")             # APPROVED on the current head
    fake.push(pr, {"requests/alice/db.yaml": "..."})   # a new head commit
    with fake.serve():                        # or the ``fake_github`` fixture
        ...                                   # PyGithub against fake.base_url
    fake.count("GET", "/repos/acme/access/contents/*")

Behaviours: real URL shapes (every ``url`` field on the fake's host), pagination with ``Link``
headers, GitHub's error bodies, 401 for unknown tokens, 403 "Resource not accessible by
integration" on team endpoints for a token without org scope, 422s on bad review requests,
rate limits and scripted faults (``fail_next``, ``rate_limit_next``), and a request log.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import pytest
import responses

from tests.fakes import github_json as js
from tests.fakes.github_http import Call, FakeHttp, Fault
from tests.fakes.github_routes import HttpError, not_found
from tests.fakes.github_state import (
    Comment,
    Commit,
    FileChange,
    FileDiff,
    Membership,
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

__all__ = ["BASE_URL", "Call", "FakeGitHub", "Fault", "fake_github"]


class FakeGitHub(FakeHttp):
    """The state of one GitHub organisation with one repository, plus builders for tests."""

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

    # --- ids, clock ------------------------------------------------------------------------

    def next_id(self) -> int:
        return next(self._ids)

    def tick(self, seconds: int = 1) -> datetime:
        """Advance the fake clock (data timestamps only) and return the new time."""
        self.now += timedelta(seconds=seconds)
        return self.now

    # --- builders: people --------------------------------------------------------------------

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

    def add_team(
        self,
        name: str,
        members: Sequence[str] = (),
        *,
        pending: Sequence[str] = (),
        maintainers: Sequence[str] = (),
    ) -> Team:
        """``add_team("acme/dba", ["carol"], pending=["dave"])``; creates the org if needed."""
        org, slug = name.split("/", 1)
        if org not in self.orgs:
            self.orgs[org] = Org(org, self.next_id())
        team = self.teams.get((org, slug))
        if team is None:
            team = self.teams[(org, slug)] = Team(
                org, slug, self.next_id(), slug.replace("-", " ").title()
            )
        for login in members:
            self.set_membership(name, login)
        for login in pending:
            self.set_membership(name, login, state="pending")
        for login in maintainers:
            self.set_membership(name, login, role="maintainer")
        return team

    def set_membership(
        self, team: str, login: str, *, state: str = "active", role: str = "member"
    ) -> None:
        org, slug = team.split("/", 1)
        self.user(login)
        self.teams[(org, slug)].members[login] = Membership(state, role)

    def remove_membership(self, team: str, login: str) -> None:
        org, slug = team.split("/", 1)
        self.teams[(org, slug)].members.pop(login, None)

    # --- builders: commits and pulls ---------------------------------------------------------

    def _commit(self, tree: Tree, parents: list[str], message: str, author: str) -> str:
        seed = f"commit {self.next_id()} {message}".encode()
        sha = hashlib.sha1(seed, usedforsecurity=False).hexdigest()
        self.commits[sha] = Commit(sha, tree, parents, message, author, self.tick())
        return sha

    @property
    def main_sha(self) -> str:
        return self.repo.branches[self.repo.default_branch]

    def tree(self, ref: str | None = None) -> Tree:
        return self.commits[self.resolve_ref(ref or self.repo.default_branch)].tree

    def commit_to_main(
        self, files: Mapping[str, FileChange], message: str = "Update", author: str = "admin"
    ) -> str:
        """A direct commit on the default branch; returns its sha."""
        self.user(author)
        sha = self._commit(
            apply_changes(self.tree(), dict(files)), [self.main_sha], message, author
        )
        self.repo.branches[self.repo.default_branch] = sha
        return sha

    def add_pull(
        self,
        author: str,
        files: Mapping[str, FileChange],
        *,
        title: str = "Request access",
        body: str | None = None,
        head_ref: str | None = None,
        draft: bool = False,
        fork: bool = False,
    ) -> Pull:
        """Open a PR from one commit on top of main; ``fork`` puts its head in ``author/<repo>``."""
        self.user(author, collaborator=not fork)
        base = self.main_sha
        head = self._commit(apply_changes(self.tree(), dict(files)), [base], title, author)
        head_repo = self.repo.full_name
        if fork:
            head_repo = f"{author}/{self.repo.name}"
            self.forks.setdefault(
                head_repo, Repo(author, self.repo.name, self.next_id(), fork=True)
            )
        number = next(self._numbers)
        when = self.tick()
        pr = Pull(
            number, self.next_id(), author, title, body, self.repo.default_branch, base,
            head_ref or f"{author}/request-{number}", head, head_repo, when, when, draft,
        )  # fmt: skip
        self.pulls[number] = pr
        return pr

    def pull(self, pr: PullRef) -> Pull:
        return pr if isinstance(pr, Pull) else self.pulls[pr]

    def push(self, pr: PullRef, files: Mapping[str, FileChange], message: str = "Update") -> str:
        """A new head commit on the PR; with ``dismiss_stale_reviews`` approvals are dismissed."""
        rec = self.pull(pr)
        tree = apply_changes(self.commits[rec.head_sha].tree, dict(files))
        rec.head_sha = self._commit(tree, [rec.head_sha], message, rec.author)
        rec.updated_at = self.now
        if self.dismiss_stale_reviews:
            for review in rec.reviews:
                if review.state == "APPROVED":
                    review.state = "DISMISSED"
        return rec.head_sha

    def add_review(
        self,
        pr: PullRef,
        login: str,
        state: str = "APPROVED",
        *,
        commit_id: str | None = None,
        body: str = "",
    ) -> Review:
        """A submitted review (upper-case ``state``) on ``commit_id`` (default: the head)."""
        rec = self.pull(pr)
        self.user(login)
        submitted = None if state == "PENDING" else self.tick()
        review = Review(self.next_id(), login, state, commit_id or rec.head_sha, submitted, body)
        rec.reviews.append(review)
        if state != "PENDING" and login in rec.requested_users:
            rec.requested_users.remove(login)  # GitHub clears a request once it is answered
        return review

    def dismiss_review(self, pr: PullRef, review: Review | int) -> None:
        review_id = review if isinstance(review, int) else review.id
        next(r for r in self.pull(pr).reviews if r.id == review_id).state = "DISMISSED"

    def request_review(
        self, pr: PullRef, users: Sequence[str] = (), teams: Sequence[str] = ()
    ) -> None:
        rec = self.pull(pr)
        rec.requested_users += [self.user(u).login for u in users if u not in rec.requested_users]
        rec.requested_teams += [t for t in teams if t not in rec.requested_teams]

    def add_comment(self, pr: PullRef, login: str, body: str) -> Comment:
        self.user(login)
        when = self.tick()
        rec = Comment(self.next_id(), self.pull(pr).number, login, body, when, when)
        self.comments[rec.id] = rec
        return rec

    def ready_for_review(self, pr: PullRef) -> None:
        self.pull(pr).draft = False

    def close(self, pr: PullRef) -> None:
        rec = self.pull(pr)
        rec.state, rec.closed_at = "closed", self.tick()

    def merge(self, pr: PullRef, *, by: str = "admin") -> str:
        """Merge (a merge commit on main with the PR's changes); returns the merge sha."""
        rec = self.pull(pr)
        self.user(by)
        changes: dict[str, FileChange] = {}
        head_tree = self.commits[rec.head_sha].tree
        for row in self.diff(rec.base_sha, rec.head_sha):
            changes[row.filename] = head_tree.get(row.filename)
            if row.previous_filename:
                changes[row.previous_filename] = None
        sha = self._commit(
            apply_changes(self.tree(), changes), [self.main_sha, rec.head_sha],
            f"Merge pull request #{rec.number} from {rec.head_ref}", by,
        )  # fmt: skip
        self.repo.branches[self.repo.default_branch] = sha
        rec.state, rec.merged, rec.merged_by, rec.merge_commit_sha = "closed", True, by, sha
        rec.merged_at = rec.closed_at = self.now
        return sha

    # --- queries used by tests and routes ----------------------------------------------------

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

    # --- rendering (shared by routes) --------------------------------------------------------

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
        parts = js.PullParts(base, head, self.render_teams(pr.requested_teams), self.users)
        return js.pull(self.urls, pr, parts, simple=simple)

    def render_review(self, number: int, review: Review) -> js.Json:
        return js.review(self.urls, self.repo.full_name, number, review, self.users[review.login])

    def render_comment(self, rec: Comment) -> js.Json:
        return js.comment(self.urls, self.repo.full_name, rec, self.users[rec.login])

    def render_status(self, rec: Status) -> js.Json:
        return js.status(self.urls, self.repo.full_name, rec, self.users[rec.creator])

    def render_commit(self, sha: str, *, files: bool) -> js.Json:
        rec = self.commits[sha]
        rows: list[js.Json] = []
        if files:
            changed = self.diff(rec.parents[0], sha) if rec.parents else diff_trees({}, rec.tree)
            full = self.repo.full_name
            rows = [js.diff_entry(self.urls, full, sha, r) for r in changed]
        return js.commit(self.urls, self.repo.full_name, rec, self.user(rec.author), rows)

    # --- serving -----------------------------------------------------------------------------

    def env(self, token: str | None = None) -> dict[str, str]:
        """The Actions variables jit reads, pointing at this fake (no event yet)."""
        return {
            "GITHUB_API_URL": self.base_url,
            "GITHUB_SERVER_URL": self.urls.web,
            "GITHUB_REPOSITORY": self.repo.full_name,
            "GITHUB_TOKEN": token or self.APP_TOKEN,
        }

    @contextmanager
    def serve(self) -> Iterator[responses.RequestsMock]:
        """Answer every request to ``base_url``; any other URL fails (no real network)."""
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            self.register(mock)
            yield mock


@pytest.fixture
def fake_github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    """A served ``FakeGitHub``; the adapter's waits (retries, write pacing) are recorded in
    ``fake.sleeps`` instead of slept."""
    fake = FakeGitHub()
    monkeypatch.setattr("jit.adapters.github_retry.sleep", fake.sleeps.append)
    with fake.serve():
        yield fake
