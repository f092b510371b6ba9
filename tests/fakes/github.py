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

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import pytest
import responses

from tests.fakes.github_http import Call, Fault
from tests.fakes.github_state import (
    Comment,
    FileChange,
    Membership,
    Org,
    Pull,
    Repo,
    Review,
    Team,
    apply_changes,
)
from tests.fakes.github_store import BASE_URL, GitHubStore, PullRef

__all__ = ["BASE_URL", "Call", "FakeGitHub", "Fault", "fake_github"]


class FakeGitHub(GitHubStore):
    """The fake GitHub: state (``GitHubStore``) plus builders for tests and serving."""

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

    def push(
        self,
        pr: PullRef,
        files: Mapping[str, FileChange],
        message: str = "Update",
        *,
        by: str | None = None,
        committer: str | None = None,
    ) -> str:
        """A new head commit on the PR, authored ``by`` someone (default: the PR's author) and
        committed by ``committer`` (default: the author; ``web-flow`` for a web edit); with
        ``dismiss_stale_reviews`` approvals are dismissed."""
        rec = self.pull(pr)
        author = by or rec.author
        self.user(author)
        if committer is not None:
            self.user(committer)
        tree = apply_changes(self.commits[rec.head_sha].tree, dict(files))
        rec.head_sha = self._commit(tree, [rec.head_sha], message, author, committer)
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

    def env(self, token: str | None = None) -> dict[str, str]:
        """The Actions variables jit reads, pointing at this fake (no event yet)."""
        return {
            "GITHUB_API_URL": self.base_url,
            "GITHUB_SERVER_URL": self.urls.web,
            "GITHUB_REPOSITORY": self.repo.full_name,
            "GITHUB_TOKEN": token or self.APP_TOKEN,
            # What the workflows pass: the App's bot login (GET /user is closed to App tokens).
            "JIT_GITHUB_LOGIN": getattr(self.tokens.get(token or self.APP_TOKEN), "login", ""),
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
    monkeypatch.setattr("jit.adapters.github.retry.sleep", fake.sleeps.append)
    with fake.serve():
        yield fake
