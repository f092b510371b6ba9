from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("--identity", "-i", type=click.Path(dir_okay=False, path_type=Path),
              help="Your SSH private key (default: ~/.ssh/id_ed25519, then id_rsa).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the secret to this file (mode 0600) instead of standard output.")
@click.option("--format", "fmt", type=click.Choice(["json", "env", "dotenv"]), default="json",
              show_default=True)
@click.argument("message", required=False)
def unwrap(identity: Path | None, output: Path | None, fmt: str, message: str | None) -> int:
    """Decrypt your delivery comment and unwrap the secret from Vault (one use only)."""
    from jit.commands.unwrap import run

    return run(identity=identity, output=output, fmt=fmt, message=message)
