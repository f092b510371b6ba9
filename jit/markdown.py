"""Safe Markdown for PR comments: text from a PR is hostile and must render as plain text.

A request file's values, its path and finding messages that quote them come from whoever opened
the PR. They must not inject HTML, images, links, @-mentions (which notify people) or table
breaks into the plan comment, and must not be long enough to bury it.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")
_ZWSP = "\u200b"
#: Where GitHub's autolink extension starts a link: ``scheme://`` and ``www.`` (e-mail
#: addresses start at ``@``, which ``esc`` breaks anyway).
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?i:(?<=\bwww)(?=\.))")


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def esc(text: str, limit: int = 600) -> str:
    """Plain text: HTML and Markdown escaped, mentions and autolinks defused, one line, at most
    ``limit``."""
    flat = html.escape(_one_line(text, limit), quote=False)
    flat = _AUTOLINK.sub(_ZWSP, _MD_SPECIAL.sub(r"\\\1", flat))
    return flat.replace("@", "@" + _ZWSP)


def code(text: str, *, table: bool = False, limit: int = 120) -> str:
    """An inline code span holding ``text`` verbatim (one line, at most ``limit`` chars)."""
    flat = _one_line(text, limit).replace("<!--", "<!-" + _ZWSP + "-")  # no fake markers
    if table:
        flat = flat.replace("|", "\\|")
    if not flat:
        return "` `"
    runs = [len(r) for r in re.findall(r"`+", flat)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def code_html(text: str, limit: int = 120) -> str:
    """Inline code as HTML, for ``<summary>`` where GitHub renders no Markdown."""
    flat = html.escape(_one_line(text, limit)).replace("@", "&#64;")
    return f"<code>{flat}</code>"


def when(moment: datetime) -> str:
    """An absolute time in UTC, to the minute: ``2026-11-23 09:00 UTC``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def details(summary: str, body: str, *, open_: bool = False) -> str:
    """A collapsible block; the blank lines let GitHub render Markdown inside it."""
    attr = " open" if open_ else ""
    return f"<details{attr}><summary>{summary}</summary>\n\n{body.strip()}\n\n</details>"
