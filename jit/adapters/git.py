"""Every ``git`` subprocess jit runs, in one place.

The environment is pinned (C locale, no prompts, no pager, no signing, no hooks, dates from the
run's clock) so git behaves the same on a runner, a laptop and in tests, and never waits for
input. The push token, when there is one, reaches git through ``GIT_CONFIG_*`` variables, never
through the command line or a file, and is scrubbed from any message git prints.
"""

from __future__ import annotations

import base64
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from jit.errors import JitError, OperationalError
from jit.ports import Identity
from jit.redact import redact_secrets

__all__ = ["Git", "Identity", "PushResult"]

PushResult = Literal["pushed", "rejected"]
_REJECTED_MARKERS = ("[rejected]", "non-fast-forward", "fetch first", "stale info")


class Git:
    """A checkout of the access repository whose ``branch`` tracks ``remote``."""

    def __init__(
        self,
        root: Path,
        *,
        remote: str = "origin",
        branch: str = "main",
        push_token: str | None = None,
        base_env: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root
        self.remote = remote
        self.branch = branch
        self._secrets = [s for s in _token_forms(push_token) if s]
        env = dict(os.environ if base_env is None else base_env)
        env.update(
            LC_ALL="C",
            LANG="C",
            GIT_TERMINAL_PROMPT="0",
            GIT_PAGER="cat",
            GIT_OPTIONAL_LOCKS="0",
            GIT_EDITOR="true",
        )
        if push_token:
            env.update(
                GIT_CONFIG_COUNT="1",
                GIT_CONFIG_KEY_0="http.extraheader",
                GIT_CONFIG_VALUE_0=f"AUTHORIZATION: basic {self._secrets[1]}",
            )
        self._env = env

    # --- plumbing -------------------------------------------------------------------------

    def _run(
        self,
        *args: str,
        check: bool = True,
        extra_env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        env = dict(self._env)
        if extra_env:
            env.update(extra_env)
        command = [
            "git",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "core.quotepath=false",
            *args,
        ]
        try:
            done = subprocess.run(  # noqa: S603 - fixed argv, no shell
                command, cwd=self.root, env=env, input=stdin, capture_output=True, check=False
            )
        except FileNotFoundError as exc:
            raise JitError("running git: no executable 'git' on PATH; install git") from exc
        if check and done.returncode != 0:
            raise OperationalError(
                f"running git {args[0]} in {self.root}: {self._scrub(done.stderr)}"
            )
        return done

    def _scrub(self, raw: bytes) -> str:
        text = raw.decode("utf-8", "replace").strip()
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text or "(no output)"

    def _out(self, *args: str) -> str:
        return self._run(*args).stdout.decode("utf-8", "replace")

    # --- reading --------------------------------------------------------------------------

    def head(self) -> str:
        return self._out("rev-parse", "HEAD").strip()

    def remote_head(self) -> str:
        return self._out("rev-parse", f"refs/remotes/{self.remote}/{self.branch}").strip()

    def remote_url(self) -> str | None:
        done = self._run("remote", "get-url", self.remote, check=False)
        return done.stdout.decode("utf-8", "replace").strip() if done.returncode == 0 else None

    def is_shallow(self) -> bool:
        return self._out("rev-parse", "--is-shallow-repository").strip() == "true"

    def added_commits(self, prefix: str = "requests/") -> dict[str, str]:
        """For each file under ``prefix`` on HEAD: the newest first-parent commit that added it.

        One ``git log`` for the whole tree rather than one per file: a merge is diffed against
        its first parent, so a merge commit counts as adding what its PR added.
        """
        out = self._out(
            "log",
            "--first-parent",
            "--diff-filter=A",
            "--no-renames",
            "--name-only",
            "--format=%x00%H",
            "HEAD",
            "--",
            prefix,
        )
        found: dict[str, str] = {}
        for chunk in out.split("\x00")[1:]:
            sha, *names = chunk.strip().split("\n")
            for name in names:
                if name and name not in found:
                    found[name] = sha
        return found

    def deleting_commit(self, path: str) -> str | None:
        """The newest first-parent commit on HEAD that deleted ``path``, if any."""
        out = self._out(
            "log",
            "--first-parent",
            "--diff-filter=D",
            "--no-renames",
            "-1",
            "--format=%H",
            "HEAD",
            "--",
            path,
        ).strip()
        return out or None

    def blob_sha(self, path: str, ref: str = "HEAD") -> str | None:
        done = self._run("rev-parse", "--verify", "--quiet", f"{ref}:{path}", check=False)
        return done.stdout.decode().strip() if done.returncode == 0 else None

    def show(self, path: str, ref: str = "HEAD") -> bytes | None:
        done = self._run("show", f"{ref}:{path}", check=False)
        return done.stdout if done.returncode == 0 else None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        done = self._run("merge-base", "--is-ancestor", ancestor, descendant, check=False)
        return done.returncode == 0

    def dirty(self, paths: Sequence[str]) -> list[str]:
        """Uncommitted changes (tracked or not) under ``paths``."""
        out = self._out("status", "--porcelain", "--untracked-files=all", "--", *paths)
        return [line[3:] for line in out.splitlines() if line]

    def unpushed(self) -> int:
        out = self._out("rev-list", "--count", f"refs/remotes/{self.remote}/{self.branch}..HEAD")
        return int(out.strip() or 0)

    # --- writing --------------------------------------------------------------------------

    def add(self, paths: Sequence[str]) -> None:
        if paths:
            self._run("add", "--", *paths)

    def rm(self, paths: Sequence[str]) -> None:
        if paths:
            self._run("rm", "--quiet", "--ignore-unmatch", "--", *paths)

    def commit(self, message: str, author: Identity, when: datetime) -> str | None:
        """Commit what is staged as ``author``; None when nothing is staged. The message goes
        through the redactor: a commit message is public and permanent."""
        message = redact_secrets(message)
        if self._run("diff", "--cached", "--quiet", check=False).returncode == 0:
            return None
        stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
        self._run(
            "commit",
            "--quiet",
            "--no-verify",
            "--cleanup=verbatim",
            "--file=-",
            stdin=message.encode("utf-8"),
            extra_env={
                "GIT_AUTHOR_NAME": author.name,
                "GIT_AUTHOR_EMAIL": author.email,
                "GIT_COMMITTER_NAME": author.name,
                "GIT_COMMITTER_EMAIL": author.email,
                "GIT_AUTHOR_DATE": stamp,
                "GIT_COMMITTER_DATE": stamp,
            },
        )
        return self.head()

    def push(self) -> PushResult:
        """Push HEAD to the remote branch. ``rejected``: someone pushed first (fetch, redo)."""
        done = self._run(
            "push", "--porcelain", self.remote, f"HEAD:refs/heads/{self.branch}", check=False
        )
        if done.returncode == 0:
            return "pushed"
        said = self._scrub(done.stdout + b"\n" + done.stderr)
        if any(marker in said for marker in _REJECTED_MARKERS):
            return "rejected"
        raise OperationalError(
            f"pushing to {self.remote}/{self.branch}: {said}. If main is protected, put the "
            "jit GitHub App on the bypass list (see the README)."
        )

    def files(self, ref: str, prefix: str) -> list[str]:
        """The paths under ``prefix`` in the tree of ``ref`` (empty when there is none)."""
        done = self._run("ls-tree", "-r", "--name-only", ref, "--", prefix, check=False)
        return done.stdout.decode("utf-8", "replace").splitlines() if done.returncode == 0 else []

    def commit_on(
        self, base: str, changes: Mapping[str, bytes | None], message: str, when: datetime
    ) -> str:
        """A commit on top of ``base`` that writes ``changes`` (None deletes a path), made in
        a private index: the work tree, the index and HEAD stay as they are. The author is
        whoever git's configuration names (the user)."""
        parent = self._out("rev-parse", "--verify", f"{base}^{{commit}}").strip()
        stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
        with tempfile.TemporaryDirectory(prefix="jit-index-") as scratch:
            env = {
                "GIT_INDEX_FILE": str(Path(scratch) / "index"),
                "GIT_AUTHOR_DATE": stamp,
                "GIT_COMMITTER_DATE": stamp,
            }
            self._run("read-tree", parent, extra_env=env)
            for path, content in changes.items():
                if content is None:
                    self._run("update-index", "--force-remove", "--", path, extra_env=env)
                    continue
                blob = self._run("hash-object", "-w", "--stdin", stdin=content).stdout
                info = f"100644,{blob.decode().strip()},{path}"
                self._run("update-index", "--add", "--cacheinfo", info, extra_env=env)
            tree = self._run("write-tree", extra_env=env).stdout.decode().strip()
            done = self._run(
                "commit-tree", tree, "-p", parent, "-F", "-",
                stdin=redact_secrets(message).encode("utf-8"), extra_env=env,
            )  # fmt: skip
        return done.stdout.decode().strip()

    def push_to(self, sha: str, branch: str) -> None:
        """Create ``branch`` on the remote at ``sha`` (never forced)."""
        done = self._run(
            "push", "--porcelain", self.remote, f"{sha}:refs/heads/{branch}", check=False
        )
        if done.returncode != 0:
            said = self._scrub(done.stdout + b"\n" + done.stderr)
            raise OperationalError(
                f"pushing the branch {branch} to {self.remote}: {said}. Check that you may push "
                "to the access repository (git push works from this clone)."
            )

    def fetch(self) -> None:
        refspec = f"+refs/heads/{self.branch}:refs/remotes/{self.remote}/{self.branch}"
        self._run("fetch", "--quiet", self.remote, refspec)

    def reset_to_remote(self) -> None:
        """Make HEAD, index and work tree exactly the remote branch (after a rejected push)."""
        self._run("reset", "--quiet", "--hard", f"refs/remotes/{self.remote}/{self.branch}")


def _token_forms(token: str | None) -> list[str]:
    if not token:
        return []
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return [token, basic]
