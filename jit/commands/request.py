"""``jit request``: write ``requests/<me>/<name>.yaml`` from flags, validate it exactly as
``jit check --author <me>`` does, then push it on a new branch and open the pull request.

Exit codes: 0 the PR is open (or, with ``--dry-run``, the file is written and valid); 1 the
request has errors (the findings are printed; without ``--dry-run`` the file is removed again,
since the flags hold everything it said) or GitHub/git refused something the user can fix;
2 usage (a missing flag without a terminal, a bad name); 4 GitHub or the push failed.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TextIO

from jit.errors import EXIT_OK, JitError, UsageError
from jit.model import Context, Policies
from jit.parse import parse_request
from jit.parse.values import REQUEST_NAME_MAX, REQUEST_NAME_RE, Problem, check_login
from jit.policy.engine import evaluate
from jit.policy.members import same_login
from jit.policy.wording import join
from jit.ports import RequesterPort
from jit.requester import draft as drafts
from jit.requester.draft import Draft

#: Asks on the terminal for a missing field: (label, hint) -> the answer.
Ask = Callable[[str, str], str]
BASE = "main"


@dataclass(frozen=True)
class Asked:
    """The fields as given on the command line (None: not given)."""

    resource: str | None
    duration: str | None
    reason: str | None
    ticket: str | None = None
    not_before: str | None = None
    name: str | None = None


def run(
    repo: Path,
    asked: Asked,
    *,
    dry_run: bool,
    github: Callable[[], RequesterPort],
    ask: Ask | None,
    now: datetime,
    out: TextIO,
    err: TextIO,
) -> int:
    from jit.adapters.git import Git
    from jit.commands.resources import read_policies

    policies = read_policies(repo, err)
    asked = complete(asked, policies, ask)
    client = github()
    me = client.login()
    if isinstance(check_login(me), Problem):  # it names a directory: never trust it blindly
        raise JitError(f"GitHub says this token belongs to {me!r}, which is not a GitHub login")
    git = Git(repo)
    if not dry_run:
        git.fetch()
    taken = {Path(p).stem for p in git.files(f"refs/remotes/{git.remote}/{BASE}", f"requests/{me}")}
    folder = repo / "requests" / me
    taken |= {p.stem for p in folder.glob("*.yaml")} if folder.is_dir() else set()
    draft = Draft(me, *(_given(asked)))
    name = asked.name or drafts.request_name(draft, now, taken)
    if name in taken:
        raise UsageError(f"--name {name}: requests/{me}/{name}.yaml already exists; pick another")
    rel = f"requests/{me}/{name}.yaml"
    text = drafts.render(draft)
    folder.mkdir(parents=True, exist_ok=True)
    with (repo / rel).open("x", encoding="utf-8") as file:
        file.write(text)
    if not _valid(repo, rel, me, now, err):
        if not dry_run:
            (repo / rel).unlink()
        err.write(
            f"{rel} has the errors above, so no pull request was opened"
            + ("" if dry_run else " and the file was removed (the flags hold all it said)")
            + "; fix them and run jit request again.\n"
        )
        return 1
    who = approvers(policies, rel, text, me, now)
    if dry_run:
        out.write(f"Wrote {rel} (valid; nothing committed or pushed).\n{who}")
        return EXIT_OK
    branch = drafts.branch_name(me, name)
    sha = git.commit_on(
        f"refs/remotes/{git.remote}/{BASE}",
        {rel: text.encode("utf-8")},
        f"Request {draft.resource} for {draft.duration}\n\nAdds {rel}, written by jit request.\n",
        now,
    )
    git.push_to(sha, branch)
    (repo / rel).unlink()  # it lives on the branch now; main gets it when the PR merges
    try:
        pr = client.create_pull(drafts.pull_title(draft), drafts.pull_body(rel), branch, BASE)
    except JitError as exc:
        raise type(exc)(
            f"{exc} The branch {branch} was pushed with {rel}: open the pull request from it on "
            "GitHub, or delete the branch and run jit request again."
        ) from exc
    out.write(f"Opened {pr.html_url} for {rel} (branch {branch}).\n{who}")
    return EXIT_OK


def complete(asked: Asked, policies: Policies, ask: Ask | None) -> Asked:
    """``asked`` with every missing required field asked for (on a terminal), or a usage
    error naming the missing flags."""
    wanted: list[tuple[str, str, str]] = []  # field, flag, hint
    if asked.resource is None:
        wanted.append(("resource", "RESOURCE", f"one of {join(sorted(policies.resources), 'or')}"))
    if asked.duration is None:
        wanted.append(("duration", "--duration", "like 30m, 2h or 1h30m"))
    if asked.reason is None:
        wanted.append(("reason", "--reason", "why you need it, for the approvers"))
    if ask is None:
        resource = policies.resources.get(asked.resource or "")
        if asked.ticket is None and resource is not None and resource.ticket:
            wanted.append(("ticket", "--ticket", f"matching {resource.ticket}"))
        if wanted:
            raise UsageError(
                f"missing {join([flag for _, flag, _ in wanted])}; with no terminal to ask on, "
                "jit request never prompts, so pass them, e.g. jit request prod-db-readonly "
                "--duration 2h --reason 'Investigate INC-4711' --ticket INC-4711"
            )
        return asked
    for field, _flag, hint in wanted:
        asked = replace(asked, **{field: ask(field.capitalize(), hint)})
    resource = policies.resources.get(asked.resource or "")
    if asked.ticket is None and resource is not None and resource.ticket:
        asked = replace(
            asked, ticket=ask("Ticket", f"{resource.id} needs one matching {resource.ticket}")
        )
    return asked


def _given(asked: Asked) -> tuple[str, str, str, str | None, str | None]:
    if asked.name is not None and not (
        len(asked.name) <= REQUEST_NAME_MAX and REQUEST_NAME_RE.fullmatch(asked.name)
    ):
        raise UsageError(
            f"--name {asked.name!r}: a request name is lowercase letters, digits and single "
            f"hyphens, at most {REQUEST_NAME_MAX} characters, e.g. incident-4711"
        )
    for field in (asked.resource, asked.duration, asked.reason, asked.ticket, asked.not_before):
        if field is not None and any(0xD800 <= ord(c) <= 0xDFFF for c in field):
            raise UsageError("a value on the command line is not valid UTF-8; retype it")
    assert asked.resource is not None and asked.duration is not None
    assert asked.reason is not None  # complete() asked for them
    return asked.resource, asked.duration, asked.reason, asked.ticket, asked.not_before


def _valid(repo: Path, rel: str, me: str, now: datetime, err: TextIO) -> bool:
    """Whether ``jit check --author <me> <rel>`` finds no error (its report goes to ``err``)."""
    from jit.commands.check import run as check

    report, summary = io.StringIO(), io.StringIO()
    code = check(repo, me, "text", (repo / rel,), now=now, out=report, err=summary)
    findings = report.getvalue()
    err.write(findings + ("\n" if findings and not findings.endswith("\n") else ""))
    err.write(summary.getvalue())
    return code == EXIT_OK


def approvers(policies: Policies, rel: str, text: str, me: str, now: datetime) -> str:
    """Who must approve ``text`` (a valid request), from the engine's view of it offline,
    where team memberships are unknown: every stage, and the auto-approval rules that may
    spare them."""
    request, _ = parse_request(rel, text.encode("utf-8"))
    assert request is not None  # it passed jit check
    decision = evaluate(request, policies, Context(now=now, pr_author=me))
    lines = ["Who must approve:"]
    for stage in decision.stages:
        who = [p.name for p in stage.approvers if p.is_team or not same_login(p.name, me)]
        lines.append(f"  stage {stage.index + 1}: {stage.missing} of {join(who, 'or')}")
    rules = policies.resources[request.resource].auto_approve
    if not decision.stages:
        lines.append(f"  nobody can: {request.resource} is granted only by auto-approval")
    if rules:
        lead = "Auto-approval" if not decision.stages else "Unless auto-approved"
        lines.append(f"{lead} (the PR check decides, with team memberships):")
        lines += [f"  for {join([p.name for p in r.requester_in], 'or')}" for r in rules]
    return "\n".join(lines) + "\n"
