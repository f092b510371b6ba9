"""The plain data jit works on: frozen dataclasses, filled with defaults, no I/O.

YAML is parsed and schema-checked first (``jit.parse.yaml.loader``, ``jit.parse``); only then does it
become these objects. The policy engine, the planner and the reconciler take and return them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Literal

from jit.findings import Finding

GrantKind = Literal["vault-credentials", "vault-token", "vault-group", "kubernetes-rolebinding"]
GRANT_KINDS: tuple[GrantKind, ...] = (
    "vault-credentials",
    "vault-token",
    "vault-group",
    "kubernetes-rolebinding",
)


# --- principals -------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Principal:
    """A user (``carol``) or a team (``acme/dba``) named in a policy."""

    name: str  # "carol" or "acme/dba", exactly as written in the policy

    @property
    def is_team(self) -> bool:
        return "/" in self.name

    @property
    def org(self) -> str | None:
        return self.name.split("/", 1)[0] if self.is_team else None

    @property
    def slug(self) -> str | None:
        return self.name.split("/", 1)[1] if self.is_team else None

    def __str__(self) -> str:
        return self.name


# --- the request ------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """A request file, ``requests/<requester>/<name>.yaml``; its id is the path without ``.yaml``."""

    id: str  # "requests/alice/incident-4711"
    path: str  # "requests/alice/incident-4711.yaml", relative to the repository root
    requester: str
    resource: str
    duration: int  # seconds
    duration_text: str  # as written, e.g. "2h"
    reason: str
    ticket: str | None = None
    not_before: datetime | None = None  # timezone-aware
    #: key -> (line, column), 1-based, for pinning findings; "" is the document root.
    positions: Mapping[str, tuple[int, int]] = field(default_factory=dict, compare=False)

    def line_of(self, key: str) -> int | None:
        pos = self.positions.get(key) or self.positions.get("")
        return pos[0] if pos else None

    def column_of(self, key: str) -> int | None:
        pos = self.positions.get(key) or self.positions.get("")
        return pos[1] if pos else None


# --- grant specs (what a resource issues) -----------------------------------------------


@dataclass(frozen=True)
class VaultCredentials:
    """A dynamic secret from a Vault secrets engine, e.g. ``database/creds/orders-readonly``."""

    path: str
    #: Extra request body for engines that take one (kubernetes: kubernetes_namespace, ...).
    parameters: Mapping[str, object] = field(default_factory=dict)
    kind: Literal["vault-credentials"] = "vault-credentials"


@dataclass(frozen=True)
class VaultToken:
    """An orphan Vault token carrying ``policies``, created through a token role."""

    policies: tuple[str, ...]
    token_role: str | None = None  # None: settings.vault.token_role
    kind: Literal["vault-token"] = "vault-token"


@dataclass(frozen=True)
class VaultGroup:
    """A Vault identity group ``jit-<grant id>`` with ``policies`` and the requester's entity."""

    policies: tuple[str, ...]
    kind: Literal["vault-group"] = "vault-group"


@dataclass(frozen=True)
class KubernetesRoleBinding:
    """A RoleBinding (or ClusterRoleBinding when ``namespace`` is None) named ``jit-<grant id>``."""

    cluster: str
    namespace: str | None
    role: str
    role_kind: Literal["Role", "ClusterRole"]
    subject: str  # template, e.g. "{login}@example.com"
    subject_kind: Literal["User", "Group"] = "User"
    kind: Literal["kubernetes-rolebinding"] = "kubernetes-rolebinding"

    def render_subject(self, login: str) -> str:
        return self.subject.replace("{login}", login)


GrantSpec = VaultCredentials | VaultToken | VaultGroup | KubernetesRoleBinding


# --- policy -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ApprovalStage:
    """``count`` distinct people from ``approvers`` must approve (``from:`` in YAML)."""

    approvers: tuple[Principal, ...]
    count: int = 1


@dataclass(frozen=True)
class AutoApproveRule:
    """No approvals needed when the requester is in ``requester_in`` and within ``max_duration``."""

    requester_in: tuple[Principal, ...]
    max_duration: int | None = None  # seconds; None: the resource's max


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Hours:
    """A window in which access may start: days, ``start`` <= local time < ``end``, in ``timezone``."""

    days: frozenset[Weekday]
    start: time
    end: time
    timezone: str  # IANA name, e.g. "Europe/Berlin"


DeliveryFallback = Literal["wrapping-token", "refuse"]


@dataclass(frozen=True)
class Resource:
    id: str
    description: str
    grant: GrantSpec
    eligible: tuple[Principal, ...]
    max_duration: int  # seconds
    approvals: tuple[ApprovalStage, ...] = ()
    auto_approve: tuple[AutoApproveRule, ...] = ()
    ticket: str | None = None  # regex a request's ticket must fully match; None: ticket optional
    hours: Hours | None = None
    #: Who may withdraw someone else's grant of this resource by deleting their request file,
    #: in addition to settings.revokers (the union of both applies).
    revokers: tuple[Principal, ...] = ()
    delivery_fallback: DeliveryFallback | None = None  # None: settings.delivery.fallback
    source: str = ""  # "policies/databases.yaml"
    line: int | None = None


@dataclass(frozen=True)
class Policies:
    resources: Mapping[str, Resource]
    #: Ids defined in policies/ whose definition has errors (or is duplicated). They are not
    #: in ``resources``, so nothing is granted for them; a request naming one can be told
    #: that its policy needs fixing rather than that the id is unknown.
    invalid: frozenset[str] = frozenset()


# --- settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VaultSettings:
    address: str | None = None  # VAULT_ADDR overrides
    namespace: str | None = None  # VAULT_NAMESPACE overrides
    auth_mount: str = "jwt"  # JIT_VAULT_AUTH_PATH overrides
    auth_role: str | None = None  # JIT_VAULT_ROLE overrides
    oidc_audience: str = "vault"  # JIT_VAULT_AUDIENCE overrides
    token_role: str = "jit"  # noqa: S105 - a Vault token role name, not a secret
    #: Auth mount whose aliases map a GitHub login to a Vault entity (vault-group grants).
    identity_mount_accessor: str | None = None
    identity_mount: str = "github"
    wrap_ttl: int = 3600  # seconds a wrapping token for delivery stays valid
    #: The longest a Vault token jit issues can live (seconds): the token auth mount's max TTL
    #: after docs/admin.md's ``vault auth tune -max-lease-ttl=2160h token/`` (768h untuned).
    max_ttl: int = 2160 * 3600


@dataclass(frozen=True)
class KubernetesCluster:
    name: str
    server: str
    ca_file: str | None = None
    ca_data: str | None = None  # PEM
    token_env: str | None = None  # env var holding a bearer token
    #: Vault kubernetes secrets engine path for a short-lived token (preferred over token_env).
    vault_credentials: str | None = None
    vault_namespace: str | None = None  # kubernetes_namespace for that credential


@dataclass(frozen=True)
class Settings:
    vault: VaultSettings = field(default_factory=VaultSettings)
    kubernetes: Mapping[str, KubernetesCluster] = field(default_factory=dict)
    delivery_fallback: DeliveryFallback = "refuse"
    audit_dir: str = "audit"
    state_dir: str = "state"
    revokers: tuple[Principal, ...] = ()
    bot_name: str = "jit-bot"
    bot_email: str = "jit-bot@users.noreply.github.com"
    #: The jit App's bot login (``acme-jit[bot]``): the author of genuine delivery comments.
    bot_login: str | None = None
    #: Minutes before expiry at which a reminder comment is posted; 0 disables it.
    reminder_minutes: int = 0


# --- what the engine is judged against ---------------------------------------------------

ReviewState = Literal["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"]


@dataclass(frozen=True)
class Review:
    login: str
    state: ReviewState
    commit_id: str | None
    submitted_at: datetime | None
    is_bot: bool = False
    id: int = 0  # GitHub's review id; orders reviews submitted in the same second


@dataclass(frozen=True)
class Context:
    """Everything outside the files that a decision depends on. Built by adapters."""

    now: datetime  # timezone-aware, UTC
    pr_author: str | None = None  # None: offline (`jit check` without --author)
    head_sha: str | None = None  # the commit approvals must be on
    reviews: tuple[Review, ...] = ()
    #: "org/slug" -> logins of *active* members. A team missing here is unknown (offline).
    teams: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: When the access would start; None means ``now`` (or ``not_before`` if later).
    start: datetime | None = None
    #: Lower-cased logins of the authors and committers of the PR's commits (GitHub's
    #: ``web-flow`` committer left out). Their approvals never count: who changed the
    #: request cannot also approve it.
    pushers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class StageResult:
    index: int  # 0-based
    approvers: tuple[Principal, ...]
    count: int
    approved_by: tuple[str, ...]  # the logins counted for this stage
    #: Logins whose approval was seen but did not count here, with why (a sentence each).
    not_counted: tuple[tuple[str, str], ...] = ()
    #: Unknown (offline) team membership leaves a stage undecided rather than met.
    undecided: bool = False

    @property
    def met(self) -> bool:
        return len(self.approved_by) >= self.count

    @property
    def missing(self) -> int:
        return max(0, self.count - len(self.approved_by))


@dataclass(frozen=True)
class Decision:
    """The engine's verdict on one request. Deny by default: ``allowed`` needs every check."""

    request_id: str
    resource_id: str
    findings: tuple[Finding, ...]  # errors make the request invalid
    matched_rules: tuple[str, ...]  # sentences naming each rule that passed
    stages: tuple[StageResult, ...]
    auto_approved: bool
    auto_approve_reason: str  # why it applies, or why not (a sentence)
    starts_at: datetime | None = None
    expires_at: datetime | None = None
    #: Who the decision is about, so reviewer requests can leave them out.
    requester: str = ""
    pr_author: str | None = None

    @property
    def valid(self) -> bool:
        return not any(f.is_error for f in self.findings)

    @property
    def approved(self) -> bool:
        return self.auto_approved or (bool(self.stages) and all(s.met for s in self.stages))

    @property
    def allowed(self) -> bool:
        return self.valid and self.approved
