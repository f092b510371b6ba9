from __future__ import annotations

from pathlib import Path

import click

#: Where a passphrase is asked for: the terminal, since standard input may carry the comment.
TTY = "/dev/tty"


@click.command()
@click.option(
    "--identity",
    "-i",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Your SSH private key (default: ~/.ssh/id_ed25519, then id_rsa).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the secret to this file (mode 0600) instead of standard output.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "env", "dotenv"]),
    default="json",
    show_default=True,
)
@click.option(
    "--vault-addr",
    envvar="VAULT_ADDR",
    show_envvar=True,
    metavar="URL",
    help="Your organisation's Vault. A delivery naming any other address is refused.",
)
@click.option(
    "--vault-namespace",
    envvar="VAULT_NAMESPACE",
    show_envvar=True,
    metavar="NS",
    help="Your Vault namespace (default: vault.namespace in the settings). A delivery naming "
    "another is refused.",
)
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="A clone of the access repository (main): its policies say where jit wraps secrets.",
)
@click.option(
    "--pr",
    type=click.IntRange(min=1),
    metavar="N",
    help="Fetch the delivery from pull request N instead of MESSAGE, accepting only comments by "
    "the jit App (bot.login in the settings). Needs GITHUB_TOKEN or GH_TOKEN, else a "
    "logged-in GitHub CLI (gh auth token).",
)
@click.option(
    "--github-repo",
    envvar="GITHUB_REPOSITORY",
    show_envvar=True,
    metavar="OWNER/NAME",
    help="The access repository on GitHub, for --pr (without it: the origin remote of --repo, "
    "when that is on github.com).",
)
@click.argument("message", required=False)
def unwrap(
    identity: Path | None,
    output: Path | None,
    fmt: str,
    vault_addr: str | None,
    vault_namespace: str | None,
    repo: Path,
    pr: int | None,
    github_repo: str | None,
    message: str | None,
) -> int:
    """Decrypt your delivery comment and unwrap the secret from Vault (one use only).

    MESSAGE is the comment jit posted on your pull request: a file holding it, the text itself,
    or "-" (the default) to read it from standard input. Run it in a clone of the access
    repository (or pass --repo): a delivery is accepted only when Vault shows it was wrapped
    where jit's reconcile job wraps secrets.
    """
    import os
    import sys

    from jit.adapters.github.requester import run_gh_auth_token
    from jit.commands.unwrap import run
    from jit.commands.unwrap_trust import github_comments
    from jit.redact import unredacted

    return run(
        identity=identity,
        output=output,
        fmt=fmt,
        message=message,
        passphrase=ask_passphrase,
        vault_addr=vault_addr or os.environ.get("VAULT_ADDR") or None,
        vault_namespace=vault_namespace or os.environ.get("VAULT_NAMESPACE") or None,
        repo=repo,
        pr=pr,
        github=github_comments(
            os.environ.get("GH_TOKEN") or os.environ.get("GITHUB_TOKEN"),
            github_repo,
            os.environ.get("GITHUB_API_URL"),
            gh=run_gh_auth_token if pr is not None else None,
            repo=repo,
        ),
        stdin=sys.stdin,
        # The one output that is a secret on purpose: the unwrapped credential.
        out=unredacted(sys.stdout),
        err=sys.stderr,
    )


def ask_passphrase(key: str) -> str:
    """Ask on the terminal (not standard input, which may carry the comment)."""
    import getpass

    from jit.delivery import DeliveryError

    try:
        with Path(TTY).open("rb"):  # is there a terminal to ask on?
            pass
    except OSError:
        raise DeliveryError(
            f"{key} is protected by a passphrase and there is no terminal to ask for it on; run "
            "jit unwrap in a terminal, or pass an unprotected key with --identity."
        ) from None
    return getpass.getpass(f"Passphrase for {key}: ")
