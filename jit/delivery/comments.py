"""The PR comments that deliver a secret: encrypted (the default), a plain single-use wrapping
token (an explicit fallback), or a refusal that says how to add a usable key.

All three carry the marker ``<!-- jit:delivery <grant id> -->`` so a re-run edits its comment
instead of adding another. Only the plain-token comment contains a secret, and only because the
policy chose that fallback: a single-use wrapping token, not the credential itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from jit.delivery.keys import DeliveryPlan, SkippedKey, SshKey
from jit.delivery.sealing import DeliveryPayload
from jit.markdown import code, esc, when

_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")

UNWRAP_COMMANDS = """```sh
export VAULT_ADDR=...           # your organisation's Vault, as your admins publish it
jit unwrap                      # paste this comment, then press Ctrl-D
jit unwrap comment.txt          # or save the comment to a file first
jit unwrap --format env --output creds.env comment.txt   # a file only you can read
```"""

REPORT_MISUSE = (
    "If `jit unwrap` says the wrapping token is invalid or already used, and you did not unwrap "
    "it yourself, **someone else did**: tell your security team now and do not rely on this "
    "access."
)

ADD_KEY = """1. Create a key, if you have none: `ssh-keygen -t ed25519` (an `ssh-rsa` key of 2048 bits or more also works).
2. Add the **public** key to GitHub as an *Authentication key*: Settings → SSH and GPG keys → New SSH key, or `gh ssh-key add ~/.ssh/id_ed25519.pub --type authentication`.
3. Ask a maintainer to re-run the jit workflow, or wait for its next scheduled run."""


def delivery_marker(grant_id: str) -> str:
    return f"<!-- jit:delivery {grant_id} -->"


def render_delivery_comment(
    *,
    grant_id: str,
    requester: str,
    resource: str,
    expires_at: datetime,
    unwrap_by: datetime | None,
    armored: str,
    plan: DeliveryPlan,
    asked_until: datetime | None = None,
) -> str:
    keys = ", ".join(_key(k) for k in plan.recipients)
    return "\n".join(
        [
            delivery_marker(grant_id),
            f"### 🔐 {_mention(requester)}, your access to {code(resource)} is ready",
            "",
            f"The secret is encrypted to your SSH keys on GitHub, so only you can open it: {keys}.",
            "",
            _facts(grant_id, expires_at, unwrap_by, asked_until),
            "",
            "**To get it**, copy this whole comment (or just the block below) and run:",
            "",
            UNWRAP_COMMANDS,
            "",
            "```",
            armored.strip(),
            "```",
            "",
            REPORT_MISUSE,
            *_skipped_section(plan.skipped),
        ]
    )


def render_plain_token_comment(
    *,
    grant_id: str,
    requester: str,
    resource: str,
    expires_at: datetime,
    unwrap_by: datetime | None,
    payload: DeliveryPayload,
    plan: DeliveryPlan,
    asked_until: datetime | None = None,
) -> str:
    deadline = f" and only until **{when(unwrap_by)}**" if unwrap_by else ""
    return "\n".join(
        [
            delivery_marker(grant_id),
            f"### ⚠️ {_mention(requester)}, your access to {code(resource)} is ready: unwrap it now",
            "",
            "You have no SSH key on GitHub that age can encrypt to, and this resource allows a "
            "plain wrapping token instead. Anyone who can read this pull request can see the token "
            f"below, but it works **only once**{deadline}.",
            "",
            _facts(grant_id, expires_at, unwrap_by, asked_until),
            "",
            "**To get it**, copy this whole comment and run:",
            "",
            UNWRAP_COMMANDS,
            "",
            "```json",
            payload.to_json(),
            "```",
            "",
            REPORT_MISUSE.replace("**someone else did**", "**someone else did before you**"),
            "",
            "**Next time**, add a key so your secret is encrypted to you alone:",
            "",
            ADD_KEY,
            *_skipped_section(plan.skipped),
        ]
    )


def render_refusal_comment(
    *, grant_id: str, requester: str, resource: str, plan: DeliveryPlan
) -> str:
    if plan.skipped:
        found = "\n".join(f"- {_skipped_line(k)}" for k in plan.skipped)
        why = f"Your GitHub account has no SSH key that age can encrypt to:\n\n{found}"
    else:
        why = "Your GitHub account has no SSH keys."
    return "\n".join(
        [
            delivery_marker(grant_id),
            f"### 🔒 {_mention(requester)}, jit has not delivered your access to {code(resource)}",
            "",
            "jit only hands a secret to the requester encrypted to their SSH keys on GitHub. "
            + why,
            "",
            "This resource does not allow delivering a plain token instead, so no credential was "
            f"delivered for grant {code(grant_id)}.",
            "",
            "**To get access:**",
            "",
            ADD_KEY,
        ]
    )


def _facts(
    grant_id: str,
    expires_at: datetime,
    unwrap_by: datetime | None,
    asked_until: datetime | None = None,
) -> str:
    rows = [
        "| | |",
        "|---|---|",
        f"| Grant | {code(grant_id, table=True)} |",
        f"| Access ends | {when(expires_at)} |",
    ]
    if asked_until is not None:
        rows.append(
            f"| Asked until | {when(asked_until)}: Vault allows no longer, so access ends "
            "earlier (ask for the rest in a new request then) |"
        )
    if unwrap_by is not None:
        rows.append(f"| Unwrap before | {when(unwrap_by)} (it works once) |")
    return "\n".join(rows)


def _skipped_section(skipped: Sequence[SkippedKey]) -> list[str]:
    if not skipped:
        return []
    lines = "\n".join(f"- {_skipped_line(k)}" for k in skipped)
    return ["", f"<details><summary>Keys jit could not use</summary>\n\n{lines}\n\n</details>"]


def _skipped_line(key: SkippedKey) -> str:
    name = f"{code(key.fingerprint)} ({code(key.type, limit=60)})" if key.fingerprint else "A key"
    return f"{name}: {esc(key.reason, 300)}"


def _key(key: SshKey) -> str:
    return f"{code(key.fingerprint)} ({code(key.type)})"


def _mention(login: str) -> str:
    """``@login`` notifies the requester; anything that is not a GitHub login is escaped."""
    return f"@{login}" if _LOGIN.fullmatch(login) else esc(login, 60)
