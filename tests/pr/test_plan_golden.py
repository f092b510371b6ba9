"""The plan comment's golden files, each the comment a real ``jit pr`` run posted on the fake
GitHub: the base branch's policies, the PR's files read through the API, the engine's decision.
Nothing in them is built by hand, so a golden cannot show what no run would say (a duration
beside another request's limits, one resource's description under another).

Regenerate after a deliberate change: ``JIT_UPDATE_GOLDEN=1 python -m pytest tests/pr/test_plan_golden.py``,
then review the diff like any other change.
"""

from __future__ import annotations

import re
from pathlib import Path

from jit.pr.plan import MARKER
from tests.golden import assert_golden
from tests.pr.conftest import World, request

GOLDEN = Path(__file__).parent / "golden"
PATH = "requests/alice/incident-4711.yaml"

#: More resources on the base branch, one per grant kind, each with its own description,
#: limits and approvers (the World's policy has prod-db-readonly).
MORE = """\
resources:
  payments-debug:
    description: Debug pods in the payments namespace of the prod cluster
    grant:
      kind: kubernetes-rolebinding
      cluster: prod
      namespace: payments
      role: debug
      role_kind: Role
      subject: "{login}@acme.example"
    eligible: [acme/engineering]
    max_duration: 2h
    auto_approve:
      - requester_in: [acme/engineering]
        max_duration: 1h
  prod-cluster-admin:
    description: Administer the whole prod cluster, for outages only
    grant: {kind: kubernetes-rolebinding, cluster: prod, role: admin, role_kind: ClusterRole, subject: "{login}"}
    eligible: [acme/engineering]
    max_duration: 1h
    approvals:
      - from: [acme/dba]
        count: 1
      - from: [acme/security]
        count: 1
  vault-audit:
    description: Read Vault's audit device configuration
    grant: {kind: vault-token, policies: [audit-read, sys-read], token_role: jit-audit}
    eligible: [acme/engineering]
    max_duration: 8h
    approvals:
      - from: [zoe]
        count: 1
  ops-group:
    description: Membership of the Vault ops group (read the ops KV secrets)
    grant: {kind: vault-group, policies: [ops-read]}
    eligible: [acme/engineering]
    max_duration: 1d
    approvals:
      - from: [acme/security]
        count: 1
"""


#: The World's settings, with the cluster the Kubernetes resources above grant on.
SETTINGS = """\
revokers: [acme/security]
kubernetes:
  clusters:
    prod:
      server: https://k8s.prod.example:6443
      ca_data: "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n"
      vault_credentials: kubernetes/creds/jit-granter
"""


def _file(resource: str, duration: str, reason: str, requester: str = "alice") -> str:
    return f"requester: {requester}\nresource: {resource}\nduration: {duration}\nreason: {reason}\n"


def test_pending_request(world: World) -> None:
    pr = world.open("alice", {PATH: request(ticket="INC-4711")})
    world.fake.add_review(pr, "alice")  # the requester's own approval never counts
    world.fake.add_review(pr, "bob")  # not an approver of this resource
    assert world.opened(pr).code == 0
    assert world.status(pr).description == (
        "Waiting for 1 approval on 1 request; see the jit plan comment for who may approve."
    )
    assert_golden(GOLDEN / "pending.md", world.plan(pr))


def test_approved_request(world: World) -> None:
    pr = world.open("alice", {PATH: request(ticket="INC-4711")})
    world.opened(pr)
    world.fake.add_review(pr, "carol")
    assert world.reviewed(pr).code == 0
    assert world.status(pr).description == "Ready to merge: 1 request approved."
    assert_golden(GOLDEN / "approved.md", world.plan(pr))


def test_auto_approved_scheduled_request_in_a_draft(world: World) -> None:
    files = {
        "requests/olga/tomorrow.yaml": request(
            "olga", duration="30m", not_before="2024-06-04T07:00:00+02:00"
        )
    }
    pr = world.open("olga", files, draft=True)
    assert world.opened(pr).code == 0
    assert world.status(pr).description == "Ready to merge: 1 request approved (1 automatically)."
    body = world.plan(pr)
    assert "missing" not in body  # nobody's approval is missing from an auto-approved request
    assert "| Starts | 2024-06-04 05:00 UTC (`not_before`)" in body  # +02:00, said in UTC
    assert_golden(GOLDEN / "auto-approved-draft.md", body)


HOSTILE = (
    "<img src=x onerror=alert(1)> @mallory please **ping** [me](https://evil.example) "
    "</details><details open> <!-- jit:plan --> `tick` | pipe www.evil.example #1 ~~gone~~"
)


def test_invalid_request_with_hostile_text(world: World) -> None:
    hostile_policy = MORE.replace(
        "description: Read Vault's audit device configuration", f"description: '{HOSTILE}'"
    )
    world.fake.commit_to_main({"policies/more.yaml": hostile_policy})
    files = {
        PATH: request(duration="8h", ticket="'<b>@mallory</b>|`x`'").replace(
            "reason: Investigate INC-4711, slow queries on orders", f"reason: '{HOSTILE}'"
        ),
        "requests/alice/audit.yaml": _file("vault-audit", "1h", f"'{HOSTILE}'"),
        "requests/alice/broken.yaml": request() + "duration: 1h\n",
        "policies/databases.yaml": "resources: {}\n",
    }
    pr = world.open("alice", files)
    assert world.opened(pr).code == 1
    body = world.plan(pr)
    assert body.count(MARKER) == 1 and body.startswith(MARKER)
    assert "8h" in body and "8h is within" not in body and "2h is within" not in body
    sections = _sections(body)
    # reason, ticket and description are shown, escaped, and stay inert
    assert sections["requests/alice/audit"].count("&lt;img src=x") == 2  # reason, description
    assert "`` <b>@mallory</b>\\|`x` ``" in sections["requests/alice/incident-4711"]
    outside = re.sub(r"(`+)(?:(?!\1).)*?\1", "", body)  # the text outside code spans
    for injected in ("<img", "<b>", "@mallory", "**ping**", "~~gone~~", "https://", "www.evil"):
        assert injected not in outside, injected
    assert not re.search(r"(?<!\\)\]\(", outside)  # no link
    assert outside.count("<details") == outside.count("</details>") == 4  # jit's own folds
    assert_golden(GOLDEN / "invalid-hostile.md", body)


#: A comment that makes the deleted files unlike the added ones, so that GitHub lists no renames.
OLD = "# " + "restore the orders backups after the failed schema migration; " * 3 + "\n"


def test_many_requests_fold_and_withdrawals(world: World) -> None:
    world.fake.commit_to_main(
        {
            "policies/more.yaml": MORE,
            "policies/settings.yaml": SETTINGS,
            "requests/alice/old.yaml": request(ticket="INC-4242") + OLD,
            "requests/carol/y.yaml": request("carol", ticket="CHG-77") + OLD,
        }
    )
    files = {
        "requests/alice/a.yaml": _file("payments-debug", "1h", "Debug the payments retries"),
        "requests/alice/b.yaml": _file("prod-cluster-admin", "1h", "Outage, nodes NotReady"),
        "requests/alice/c.yaml": _file("vault-audit", "4h", "Quarterly audit device review"),
        "requests/alice/d.yaml": _file("ops-group", "1d", "Rotate the ops KV secrets"),
        "requests/alice/old.yaml": None,
        "requests/carol/y.yaml": None,
    }
    pr = world.open("alice", files)
    world.fake.add_review(pr, "carol")
    world.fake.add_review(pr, "zoe")
    assert world.opened(pr).code == 1  # alice may not withdraw carol's request
    body = world.plan(pr)
    sections = _sections(body)
    for name, resource, description in [
        ("a", "payments-debug", "Debug pods in the payments namespace of the prod cluster"),
        ("b", "prod-cluster-admin", "Administer the whole prod cluster, for outages only"),
        ("c", "vault-audit", "Read Vault's audit device configuration"),
        ("d", "ops-group", "Membership of the Vault ops group (read the ops KV secrets)"),
    ]:
        section = sections[f"requests/alice/{name}"]
        assert f"| Resource | `{resource}` |\n" in section
        assert f"| Access | {description} |\n" in section
    assert_golden(GOLDEN / "many-with-withdrawals.md", body)


def test_withdrawal_only(world: World) -> None:
    world.fake.commit_to_main({PATH: request()})
    pr = world.open("alice", {PATH: None})
    assert world.opened(pr).code == 0
    assert world.status(pr).description == "Ready to merge: 1 withdrawal to revoke on merge."
    assert_golden(GOLDEN / "withdrawal.md", world.plan(pr))


def test_not_a_request_pr(world: World) -> None:
    pr = world.open("admin", {"README.md": "# better docs\n"})
    assert world.opened(pr).code == 0
    assert_golden(GOLDEN / "not-a-request-pr.md", world.plan(pr))


def _sections(body: str) -> dict[str, str]:
    """Each request's section of a plan comment, by request id."""
    parts = re.split(
        r"^(?:### [✅⏳❌] `|<details><summary>[✅⏳❌] <code>)([^`<]+)", body, flags=re.M
    )
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_no_golden_contradicts_itself() -> None:
    """What the issue found in the hand-built goldens cannot come back: a section's duration
    is the one its rules judged, its description is its own resource's, and no quoting typo."""
    for golden in sorted(GOLDEN.glob("*.md")):
        text = golden.read_text(encoding="utf-8")
        assert "''s" not in text, golden.name
        described: dict[str, str] = {}
        for rid, section in _sections(text).items():
            asked = re.search(r"^\| Duration \| `(\w+)`", section, re.M)
            for judged in re.findall(r"^- (\w+) is within the", section, re.M):
                assert asked and judged == asked.group(1), f"{golden.name} {rid}: {judged}"
            access = re.search(r"^\| Access \| (.*) \|$", section, re.M)
            resource = re.search(r"^\| Resource \| `([^`]+)`", section, re.M)
            if access and resource:
                assert described.setdefault(access.group(1), resource.group(1)) == resource.group(1)
    many = _sections((GOLDEN / "many-with-withdrawals.md").read_text(encoding="utf-8"))
    assert len(many) == 4
