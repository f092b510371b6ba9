"""What ``jit unwrap`` trusts, and nothing from a delivery: the access repository's own
configuration (``trusted_vault``: where jit wraps secrets, the Vault address and namespace) and,
for ``--pr``, the jit App's identity (``bot.login``) as GitHub reports a comment's author."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TextIO

from jit.delivery import DeliveryError
from jit.delivery.provenance import TrustedVault, creation_paths
from jit.errors import JitError
from jit.parse.repository import POLICIES, load_policies

_MARK = "<!-- jit:delivery "  # jit.delivery.delivery_marker's prefix


def _say(stream: TextIO, line: str) -> None:
    stream.write(line + "\n")
    stream.flush()


def trusted_vault(repo: Path, vault_addr: str | None, vault_namespace: str | None) -> TrustedVault:
    """The Vault address, namespace and wrapping paths of the access repository at ``repo``."""
    if not (repo / POLICIES).is_dir():
        raise JitError(
            f"There is no {POLICIES}/ directory in {repo}. jit unwrap checks a delivery against "
            "the access repository's policies (which Vault paths jit wraps secrets at): run it "
            "in an up-to-date clone of the access repository's main branch, or pass --repo."
        )
    policies, settings, _findings = load_policies(repo, {})
    paths = creation_paths(policies, settings)
    if not paths:
        raise JitError(
            f"{repo / POLICIES} defines no vault-token or vault-credentials resource, so no "
            "delivery can be checked against it: pass --repo with a clone of the access "
            "repository's main branch."
        )
    address = vault_addr or settings.vault.address or ""
    namespace = vault_namespace or settings.vault.namespace
    return TrustedVault(address, namespace, paths)


class PullComments(Protocol):
    def comments(self, number: int) -> list[tuple[str, str]]: ...


def from_pull(
    number: int, repo: Path, github: Callable[[], PullComments] | None, err: TextIO
) -> tuple[str, str]:
    """The delivery comments on pull request ``number`` written by the jit App (settings
    ``bot.login``); comments by anyone else that carry the marker are not deliveries."""
    _policies, settings, _findings = load_policies(repo, {})
    bot = settings.bot_login
    if not bot:
        raise JitError(
            "jit unwrap --pr needs the jit App's bot login, to accept only its comments: set "
            "bot.login in policies/settings.yaml (e.g. acme-jit[bot]), or paste the comment."
        )
    if github is None:
        raise JitError(
            "jit unwrap --pr needs a GitHub token: set GITHUB_TOKEN or GH_TOKEN, or log in with "
            "the GitHub CLI (gh auth login)."
        )
    marked = [(login, body) for login, body in github().comments(number) if _MARK in body]
    own = [body for login, body in marked if login.lower() == bot.lower()]
    others = sorted({login for login, _body in marked if login.lower() != bot.lower()})
    if others:
        _say(
            err,
            f"Ignoring {len(marked) - len(own)} comment(s) on pull request #{number} that look "
            f"like deliveries but were not posted by {bot} (by {', '.join(others)}); report "
            "them to your security team.",
        )
    if not own:
        raise DeliveryError(
            f"Pull request #{number} has no delivery comment by {bot}. jit posts it after the "
            "merge, when the grant is issued; if the run has not happened yet, try again later."
        )
    return "\n".join(own), f"pull request #{number}"


def github_comments(
    token: str | None,
    repository: str | None,
    api_url: str | None,
    *,
    gh: Callable[[], str | None] | None = None,
    repo: Path | None = None,
) -> Callable[[], PullComments] | None:
    """A lazily made GitHub client for ``--pr``; None without a token.

    As for the requester's other commands: the token is ``token`` (``GITHUB_TOKEN`` or
    ``GH_TOKEN``), else what ``gh`` (``gh auth token``) says; the repository is ``repository``
    (``--github-repo``, ``GITHUB_REPOSITORY``), else the checkout's github.com ``origin``."""
    token = token or (gh() if gh is not None else None)
    if not token:
        return None

    def make() -> PullComments:
        from jit.adapters.git import Git
        from jit.adapters.github.client import DEFAULT_API_URL, GitHubClient
        from jit.adapters.github.requester import repository_from_remote

        name = repository
        if not name and repo is not None:
            name = repository_from_remote(Git(repo).remote_url())
        if not name:
            raise JitError(
                "jit unwrap --pr needs the access repository's name: its origin remote is not "
                "on github.com, so pass --github-repo OWNER/NAME or set GITHUB_REPOSITORY."
            )
        return GitHubClient(token, name, api_url or DEFAULT_API_URL)

    return make
