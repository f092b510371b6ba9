"""``GitHubPort`` over PyGithub: bounded retries, a bounded number of calls, clear errors.

API calls per ``jit pr`` run (per_page=100, objects are lazy so nothing is fetched twice):
``pull`` 1, ``pull_files`` 1 per 100 files, ``reviews`` 1 per 100 reviews, ``pull_pushers`` 1
per 100 commits (at most 3), ``file_at`` 1 per file, ``active_team_members`` 1 per team + 1 per (team, login) (cached per client),
``upsert_comment`` 1 per 100 comments + 1 write (none if unchanged), ``set_status`` 1,
``request_reviewers`` 1 write (plus 1 read when ``pull`` was not called first).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal, cast, get_args

from github import Auth, Github, GithubException

from jit import __version__
from jit.adapters.github import retry as github_retry
from jit.adapters.github.failures import TEAM_ACCESS_HINT, calling
from jit.adapters.github.retry import WaitBudget, make_retry
from jit.adapters.github.teams import TeamMembers
from jit.adapters.github.writes import request_missing, upsert_comment
from jit.errors import JitError
from jit.model import Review, ReviewState
from jit.ports import FileAtRef, PullFile, PullInfo
from jit.redact import redact_comment, redact_secrets

if TYPE_CHECKING:
    from github.PullRequest import PullRequest

DEFAULT_API_URL = "https://api.github.com"
STATUS_STATES = frozenset({"error", "failure", "pending", "success"})
MAX_PR_FILES = 3000  # GitHub lists no more than this many files of a PR
MAX_PR_COMMITS = 250  # nor more than this many commits
_NOT_PUSHERS = frozenset({"web-flow"})  # GitHub's committer of commits made on github.com
_REVIEW_STATES = frozenset(get_args(ReviewState))


class GitHubClient:
    """One repository, one token. Not thread-safe; make one per run."""

    def __init__(
        self,
        token: str,
        repository: str,
        base_url: str = DEFAULT_API_URL,
        *,
        retry_total: int = 5,
        max_wait_seconds: float = 60,
        timeout: int = 15,
        write_interval: float = 1.0,
        status_target_url: str | None = None,
        login: str | None = None,
    ) -> None:
        """``login`` is the identity ``token`` writes as (an App's ``<slug>[bot]``); None: ask
        GitHub (``GET /user``, which user tokens may call and installation tokens may not)."""
        owner, _, name = repository.partition("/")
        if not owner or not name or "/" in name:
            raise JitError(f"GITHUB_REPOSITORY must be 'owner/name', got {repository!r}.")
        self.repository = repository
        self.budget = WaitBudget(max_wait_seconds)

        def connect(retry_post: bool) -> Github:
            return Github(
                auth=Auth.Token(token),
                base_url=base_url.rstrip("/"),
                timeout=timeout,
                user_agent=f"jit-access/{__version__}",
                per_page=100,
                retry=make_retry(retry_total, self.budget, retry_post=retry_post),
                lazy=True,
                seconds_between_requests=None,  # writes are paced here, through one seam
                seconds_between_writes=None,
            )

        self._gh = connect(retry_post=True)
        self._repo = self._gh.get_repo(repository)
        # Comments are created without retrying the POST: a lost response would post twice.
        self._repo_once = connect(retry_post=False).get_repo(repository)
        self._write_interval = write_interval
        self._last_write: float | None = None
        self._status_target_url = status_target_url
        self._pulls: dict[int, PullRequest] = {}
        self._login = login
        self._members = TeamMembers(self._gh)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> GitHubClient:
        """From the Actions environment: ``JIT_GITHUB_TOKEN`` (an App token) or ``GITHUB_TOKEN``,
        ``GITHUB_REPOSITORY``, ``GITHUB_API_URL``; the status links to the run when known."""
        token = env.get("JIT_GITHUB_TOKEN") or env.get("GITHUB_TOKEN")
        if not token:
            raise JitError(
                "No GitHub token: set GITHUB_TOKEN (env: GITHUB_TOKEN: ${{ github.token }}) or, "
                "for team rules, JIT_GITHUB_TOKEN. " + TEAM_ACCESS_HINT
            )
        repository = env.get("GITHUB_REPOSITORY", "")
        if not repository:
            raise JitError("GITHUB_REPOSITORY is not set: run jit inside GitHub Actions.")
        server, run_id = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_RUN_ID")
        target = (
            f"{server.rstrip('/')}/{repository}/actions/runs/{run_id}"
            if server and run_id
            else None
        )
        api = env.get("GITHUB_API_URL") or DEFAULT_API_URL
        login = env.get("JIT_GITHUB_LOGIN") or None
        return cls(token, repository, api, status_target_url=target, login=login)

    # --- reading -----------------------------------------------------------------------------

    def pull(self, number: int) -> PullInfo:
        with calling(f"Reading pull request #{number}"):
            pr = self._repo.get_pull(number)
            info = self._info(pr)
        self._pulls[number] = pr
        return info

    def _info(self, pr: PullRequest) -> PullInfo:
        head_repo = pr.head.repo
        merged = pr.merged_at is not None
        return PullInfo(
            number=pr.number,
            author=pr.user.login,
            head_sha=pr.head.sha,
            base_ref=pr.base.ref,
            state=cast(Literal["open", "closed"], pr.state),
            merged=merged,
            merge_commit_sha=pr.merge_commit_sha if merged else None,
            draft=bool(pr.draft),
            from_fork=head_repo is None or head_repo.full_name.lower() != self.repository.lower(),
            html_url=pr.html_url,
            merged_at=pr.merged_at,
        )

    def pull_files(self, number: int) -> Sequence[PullFile]:
        with calling(f"Listing the files of pull request #{number}"):
            files = [
                PullFile(f.filename, f.status, f.previous_filename, f.sha)
                for f in self._repo.get_pull(number).get_files()
            ]
        if len(files) >= MAX_PR_FILES:
            raise JitError(
                f"Pull request #{number} changes {MAX_PR_FILES} or more files, more than GitHub "
                "lists, so jit cannot check them all. Split it into smaller pull requests."
            )
        return files

    def reviews(self, number: int) -> Sequence[Review]:
        with calling(f"Listing the reviews of pull request #{number}"):
            found = []
            for r in self._repo.get_pull(number).get_reviews():
                state = (r.state or "").upper()
                if state not in _REVIEW_STATES:
                    continue
                login = r.user.login if r.user is not None else "ghost"
                is_bot = login.endswith("[bot]") or (r.user is not None and r.user.type == "Bot")
                found.append(
                    Review(
                        login=login,
                        state=cast(ReviewState, state),
                        commit_id=r.commit_id,
                        submitted_at=r.submitted_at,
                        is_bot=is_bot,
                        id=r.id,
                    )
                )
        return found

    def pull_pushers(self, number: int) -> frozenset[str]:
        with calling(f"Listing the commits of pull request #{number}"):
            commits = list(self._repo.get_pull(number).get_commits())
            people = {p.login.lower() for c in commits for p in (c.author, c.committer) if p}
        if len(commits) >= MAX_PR_COMMITS:
            raise JitError(
                f"Pull request #{number} has {MAX_PR_COMMITS} or more commits, more than GitHub "
                "lists, so jit cannot tell who changed it. Open a new pull request."
            )
        return frozenset(people - _NOT_PUSHERS)

    def active_team_members(self, team: str, logins: Sequence[str]) -> frozenset[str]:
        return self._members.active(team, logins)

    def file_at(self, path: str, ref: str) -> FileAtRef:
        with calling(f"Reading {path} at {ref[:12]}"):
            try:
                found = self._repo.get_contents(path, ref=ref)
            except GithubException as exc:
                if exc.status == 404:
                    return FileAtRef(path, "missing")
                raise
        if isinstance(found, list):
            return FileAtRef(path, "dir")
        if found.type == "file" and found.path != path:
            # GitHub answers a symlink to a file with the target's content and path.
            return FileAtRef(path, "symlink", sha=found.sha)
        if found.type in ("symlink", "submodule", "dir"):
            kind = cast(Literal["symlink", "submodule", "dir"], found.type)
            return FileAtRef(path, kind, sha=found.sha)
        if found.encoding != "base64":
            raise JitError(
                f"{path} at {ref[:12]} is larger than GitHub serves inline (1 MB); a request "
                "file must be a small YAML file."
            )
        return FileAtRef(path, "file", found.decoded_content, found.sha)

    def pulls_for_commit(self, sha: str) -> Sequence[PullInfo]:
        with calling(f"Listing the pull requests of commit {sha[:12]}"):
            return [self._info(pr) for pr in self._repo.get_commit(sha).get_pulls()]

    def ssh_keys(self, login: str) -> Sequence[str]:
        with calling(f"Reading the SSH keys of {login}"):
            try:
                return [k.key for k in self._gh.get_user(login, lazy=True).get_keys()]
            except GithubException as exc:
                if exc.status == 404:
                    return []
                raise

    def comments(self, number: int) -> list[tuple[str, str]]:
        """Every comment on pull request ``number``, oldest first: (author login, body)."""
        with calling(f"Reading the comments of pull request #{number}"):
            return [
                (c.user.login if c.user is not None else "", c.body or "")
                for c in self._repo.get_issue(number).get_comments()
            ]

    # --- writing -----------------------------------------------------------------------------

    def _pace(self) -> None:
        """At least ``write_interval`` seconds between writes, as GitHub asks of integrations."""
        now = time.monotonic()
        if self._last_write is not None:
            wait = self._last_write + self._write_interval - now
            if wait > 0:
                github_retry.sleep(wait)
        self._last_write = time.monotonic()

    def login(self) -> str:
        """The login this client writes as, looked up once per run."""
        if self._login is None:
            with calling("Reading which GitHub identity jit runs as (GET /user)"):
                try:
                    self._login = str(self._gh.get_user().login)
                except GithubException as exc:
                    if exc.status != 403:
                        raise
                    raise JitError(
                        "GitHub does not tell an App installation token or GITHUB_TOKEN which "
                        "identity it writes as (GET /user answered 403), and jit edits only "
                        "comments written by its own identity: set JIT_GITHUB_LOGIN to the "
                        "App's bot login (the workflows pass '<app-slug>[bot]' from "
                        "actions/create-github-app-token, or 'github-actions[bot]' for "
                        "GITHUB_TOKEN)."
                    ) from None
        return self._login

    def upsert_comment(self, number: int, marker: str, body: str) -> None:
        body = redact_comment(body)  # every comment jit writes goes through the redactor
        if marker not in body:
            body = f"{marker}\n{body}"
        author = self.login()
        with calling(f"Writing the jit comment on pull request #{number}"):
            issue, issue_once = self._repo.get_issue(number), self._repo_once.get_issue(number)
            upsert_comment(issue, issue_once, marker, body, self._pace, author)

    def comment(self, number: int, body: str) -> None:
        with calling(f"Commenting on pull request #{number}"):
            self._pace()
            self._repo.get_issue(number).create_comment(redact_comment(body))

    def set_status(self, sha: str, state: str, description: str, context: str) -> None:
        if state not in STATUS_STATES:
            raise ValueError(f"commit status state {state!r} is not one of {sorted(STATUS_STATES)}")
        description = redact_secrets(description)
        short = description if len(description) <= 140 else description[:139] + "…"
        with calling(f"Setting the {context} status on {sha[:12]}"):
            self._pace()
            commit = self._repo.get_commit(sha)
            if self._status_target_url:
                commit.create_status(state, self._status_target_url, short, context)
            else:
                commit.create_status(state, description=short, context=context)

    def request_reviewers(self, number: int, users: Sequence[str], teams: Sequence[str]) -> None:
        owner = self.repository.split("/", 1)[0]
        with calling(f"Requesting reviews on pull request #{number}"):
            pr = self._pulls.pop(number, None) or self._repo.get_pull(number)
            request_missing(pr, owner, users, teams, self._pace)

    def open_pull_for_head(self, sha: str) -> PullInfo | None:
        """Scan the open pull requests, most recently updated first (1 call per 100)."""
        with calling(f"Finding the open pull request whose head is {sha[:12]}"):
            for pr in self._repo.get_pulls(state="open", sort="updated", direction="desc"):
                if pr.head.sha == sha:
                    return self._info(pr)
        return None
