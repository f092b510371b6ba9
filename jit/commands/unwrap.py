"""``jit unwrap``: open your delivery comment with your SSH key and unwrap the secret from Vault.

A delivery is not proof of anything: anyone who can comment on the PR can post one encrypted to
the requester's public SSH keys, naming a Vault of their choosing and wrapping data of their
choosing. So what it names is checked against trusted configuration, the access repository's
``policies/`` (``--repo``) and the requester's own Vault address and namespace: the address
and namespace must be the configured ones, and the wrapping token must have been created at a
path only the reconcile job uses (``jit.delivery.provenance``, ADR 0008), checked before it is
spent. Only the fields jit delivers are printed. The wrapping token works once. Everything that can fail without spending it (reading the comment,
loading and decrypting with the key, preparing the output file) happens before the unwrap. The
secret goes to exactly one place: standard output, or a file created with mode 0600 and moved into
place atomically. Nothing else (progress, errors) ever contains it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import SplitResult, urlsplit

from jit.adapters.clock import now as clock_now
from jit.commands.unwrap_trust import (
    PullComments,
    from_pull,
    trusted_vault,
)
from jit.delivery import (
    DeliveryError,
    DeliveryPayload,
    find_armored,
    find_plain_payload,
    load_identity,
    open_sealed,
)
from jit.delivery.provenance import (
    TrustedVault,
    check_creation_path,
    check_namespace,
    delivered_values,
    env_name,
    lease_warnings,
)
from jit.errors import EXIT_OK, JitError

FORMATS = ("json", "env", "dotenv")
DEFAULT_KEYS = ("id_ed25519", "id_rsa")
MAX_INPUT = 1 << 20  # a delivery comment is a few kilobytes

Passphrase = Callable[[str], str]


def run(
    identity: Path | None,
    output: Path | None,
    fmt: str,
    message: str | None,
    *,
    passphrase: Passphrase | None = None,
    vault_addr: str | None = None,
    vault_namespace: str | None = None,
    repo: Path = Path(),
    pr: int | None = None,
    github: Callable[[], PullComments] | None = None,
    now: Callable[[], datetime] = clock_now,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``passphrase(key_path)`` is asked for a passphrase-protected key; None: such keys fail.
    ``vault_addr`` is the requester's Vault (the command line passes ``--vault-addr`` or
    ``VAULT_ADDR``, else ``vault.address`` in ``repo``'s settings); a delivery naming any other
    address, or another namespace than ``vault_namespace`` (else the settings'), is refused.
    ``repo`` is a checkout of the access repository: its ``policies/`` say where jit's wrapping
    tokens are created. The comment is read from
    ``stdin`` when ``message`` is None or ``-``; the secret goes to ``out`` (unless ``output``
    is given) and progress to ``err`` (defaults: the process's standard streams)."""
    stdin, out, err = stdin or sys.stdin, out or sys.stdout, err or sys.stderr
    if fmt not in FORMATS:
        raise JitError(f"Unknown --format {fmt!r}; use one of {', '.join(FORMATS)}.")
    trusted = trusted_vault(repo, vault_addr, vault_namespace)
    if pr is not None:
        if message is not None:
            raise JitError("Pass either --pr or MESSAGE, not both.")
        text, source = from_pull(pr, repo, github, err)
    else:
        text, source = _read_message(message, stdin, err)
    payload = _payload(text, source, identity, passphrase)
    check_vault(payload, trusted.address)
    check_namespace(payload, trusted)
    _say(err, f"Unwrapping grant {payload.grant_id} from {trusted.address} (this works once).")
    with _private_file(output, out) as write:
        path, answer = _unwrap(payload, trusted)
        values = delivered_values(path, answer, trusted)
        write(render(values, fmt))
    for warning in lease_warnings(path, answer, payload.expires_at, now()):
        _say(err, warning)
    if output is not None:
        _say(
            err,
            f"Wrote {len(values)} value(s) to {output} (mode 0600). Access ends at {payload.expires_at}.",
        )
    else:
        _say(err, f"Access ends at {payload.expires_at}.")
    return EXIT_OK


def _say(stream: TextIO, line: str) -> None:
    stream.write(line + "\n")
    stream.flush()


def _read_message(message: str | None, stdin: TextIO, err: TextIO) -> tuple[str, str]:
    if message is None or message == "-":
        if stdin.isatty():
            _say(err, "Paste the delivery comment, then press Ctrl-D:")
        return stdin.read(MAX_INPUT), "standard input"
    if "\n" not in message and "BEGIN AGE" not in message and "wrap_token" not in message:
        path = Path(message).expanduser()
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                return handle.read(MAX_INPUT), str(path)
        except OSError as exc:
            raise JitError(
                f"Cannot read {message}: {exc.strerror}. Pass the file holding the delivery "
                "comment, the comment itself, or nothing to paste it on standard input."
            ) from None
    return message, "the argument"


def _payload(
    text: str, source: str, identity: Path | None, passphrase: Passphrase | None
) -> DeliveryPayload:
    blocks = find_armored(text)
    if blocks:
        identities, problems = _identities(identity, passphrase)
        try:
            return open_sealed(blocks, identities)
        except DeliveryError as exc:
            raise DeliveryError(" ".join([str(exc), *problems])) from None
    plain = find_plain_payload(text)
    if plain is not None:
        return plain
    raise DeliveryError(
        f"No jit delivery found in {source}. Pass the comment jit posted on your pull request "
        "(it holds a block starting with -----BEGIN AGE ENCRYPTED FILE-----), as a file, as an "
        "argument, or on standard input."
    )


def check_vault(payload: DeliveryPayload, expected: str | None) -> None:
    """Refuse a delivery unless it names ``expected``, the Vault the requester knows is theirs."""
    named = payload.vault_addr
    if not expected:
        raise DeliveryError(
            f"This delivery names the Vault at {named!r}, and jit unwrap sends the wrapping token "
            "only to your own Vault: set VAULT_ADDR or pass --vault-addr with the address your "
            "Vault administrators publish (not one taken from a PR comment), or set "
            "vault.address in policies/settings.yaml."
        )
    if _origin(named) is None or _origin(named) != _origin(expected):
        raise DeliveryError(
            f"This delivery names the Vault at {named!r}, not yours ({expected!r}, from "
            "--vault-addr or VAULT_ADDR), so jit sent nothing to it. Do not use it: anyone can "
            "post a comment encrypted to your public SSH keys, and only comments by the jit bot "
            "are deliveries. Report it to your security team."
        )


def _origin(address: str) -> tuple[str, str, int | None, str] | None:
    """Scheme, host, port and path of a Vault address, or None when it is no plain URL."""
    try:
        parts: SplitResult = urlsplit(address.strip())
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme.lower())
    except ValueError:
        return None
    if parts.username or parts.password or parts.query or parts.fragment or not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port, parts.path.rstrip("/")


def _identities(
    identity: Path | None, passphrase: Passphrase | None
) -> tuple[list[object], list[str]]:
    """The identities to try, and sentences about default keys that could not be used."""

    def ask(path: Path) -> Callable[[], str] | None:
        return None if passphrase is None else (lambda: passphrase(str(path)))

    if identity is not None:
        path = identity.expanduser()
        return [load_identity(_read_key(path), str(path), ask(path))], []
    ssh_dir = Path.home() / ".ssh"
    candidates = [ssh_dir / name for name in DEFAULT_KEYS if (ssh_dir / name).is_file()]
    if not candidates:
        raise DeliveryError(
            f"No SSH private key found at {ssh_dir}/id_ed25519 or {ssh_dir}/id_rsa; pass the key "
            "whose public half is on your GitHub account with --identity PATH."
        )
    identities: list[object] = []
    problems: list[str] = []
    for path in candidates:
        try:
            identities.append(load_identity(_read_key(path), str(path), ask(path)))
        except DeliveryError as exc:
            problems.append(str(exc))
    if not identities:
        raise DeliveryError(" ".join(problems))
    return identities, problems


def _read_key(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DeliveryError(f"Cannot read the SSH key {path}: {exc.strerror}.") from None


def _unwrap(payload: DeliveryPayload, trusted: TrustedVault) -> tuple[str, Mapping[str, Any]]:
    from jit.adapters.vault import unwrap_secret

    # A spent or expired token raises JitError with a message that says so, and what to do;
    # a token made anywhere but jit's paths is refused before it is spent.
    return unwrap_secret(
        trusted.address,
        trusted.namespace,
        payload.wrap_token,
        accept=lambda path: check_creation_path(path, trusted),
    )


def render(values: Mapping[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(values, indent=2) + "\n"
    lines = []
    for key, value in values.items():
        text = value if isinstance(value, str) else json.dumps(value)
        name = env_name(key)  # a fixed name per delivered field, never one from the payload
        if fmt == "env":
            lines.append(f"export {name}={shlex.quote(text)}")
        else:
            escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            lines.append(f'{name}="{escaped}"')
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def _private_file(output: Path | None, out: TextIO) -> Iterator[Callable[[str], object]]:
    """Yields ``write(text)``. With a path, a 0600 temp file is made *before* the unwrap (so a
    bad path costs no single-use token), then renamed over ``output``; without one, ``out``."""
    if output is None:

        def write(text: str) -> None:
            out.write(text)
            out.flush()

        yield write
        return
    target = output.expanduser()
    if target.is_dir():
        raise JitError(f"--output {output} is a directory; give a file name.")
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise JitError(f"Cannot create a file in {target.parent}: {exc.strerror}.") from None
    os.fchmod(fd, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yield handle.write
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(target)
    finally:
        Path(tmp).unlink(missing_ok=True)
