"""ACL-lite: ``path "x" { capabilities = [...] }`` policies, matched the way Vault matches them.

Supported: exact paths, a trailing ``*`` (prefix), ``+`` (one segment) and ``deny``. Among the
rules that match a path the most specific wins (exact over glob, then the longest literal
prefix, then fewer ``+``); rules for the same pattern in several policies are merged.
Not modelled: ``allowed_parameters``, templated paths, Sentinel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_RULE = re.compile(r'path\s+"([^"]*)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]\s*\}', re.S)
_COMMENT = re.compile(r"#[^\n]*")
CAPABILITIES = frozenset({"create", "read", "update", "patch", "delete", "list", "sudo", "deny"})

#: Vault's built-in ``default`` policy, reduced to the paths the fake serves.
DEFAULT_POLICY = """
path "auth/token/lookup-self" { capabilities = ["read"] }
path "auth/token/renew-self" { capabilities = ["update"] }
path "auth/token/revoke-self" { capabilities = ["update"] }
path "sys/leases/lookup" { capabilities = ["update"] }
path "sys/leases/renew" { capabilities = ["update"] }
path "sys/wrapping/wrap" { capabilities = ["update"] }
path "sys/wrapping/lookup" { capabilities = ["update"] }
path "sys/wrapping/unwrap" { capabilities = ["update"] }
path "sys/capabilities-self" { capabilities = ["update"] }
"""


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class Rule:
    pattern: str
    capabilities: frozenset[str]

    def matches(self, path: str) -> bool:
        regex = ""
        for ch in self.pattern:
            regex += "[^/]+" if ch == "+" else re.escape(ch)
        if self.pattern.endswith("*"):
            regex = regex[: -len(re.escape("*"))] + ".*"
        return re.fullmatch(regex, path) is not None

    def specificity(self) -> tuple[int, int, int]:
        exact = not self.pattern.endswith("*") and "+" not in self.pattern
        literal = len(re.split(r"[+*]", self.pattern, maxsplit=1)[0])
        return (1 if exact else 0, literal, -self.pattern.count("+"))


def parse(text: str) -> list[Rule]:
    """Parse the HCL subset; anything else in the text is an error, never silently skipped."""
    text = _COMMENT.sub("", text)
    rules: list[Rule] = []
    for match in _RULE.finditer(text):
        caps = frozenset(c.strip().strip('"') for c in match.group(2).split(",") if c.strip())
        unknown = caps - CAPABILITIES
        if unknown:
            raise PolicyError(f"unknown capabilities {sorted(unknown)} for {match.group(1)!r}")
        rules.append(Rule(match.group(1), caps))
    if _RULE.sub("", text).strip():
        raise PolicyError(f"cannot parse policy text: {_RULE.sub('', text).strip()[:80]!r}")
    return rules


def capabilities(rules: Iterable[Rule], path: str) -> frozenset[str]:
    """The capabilities the merged rules give on ``path`` (empty: no rule matches)."""
    matching = [r for r in rules if r.matches(path)]
    if not matching:
        return frozenset()
    best = max(r.specificity() for r in matching)
    caps: set[str] = set()
    for rule in matching:
        if rule.specificity() == best:
            caps |= rule.capabilities
    return frozenset({"deny"}) if "deny" in caps else frozenset(caps)


def allows(rules: Iterable[Rule], path: str, needed: Iterable[str]) -> bool:
    """True when every entry of ``needed`` is satisfied; an entry may be ``"create|update"``."""
    caps = capabilities(rules, path)
    if "deny" in caps:
        return False
    return all(any(alt in caps for alt in need.split("|")) for need in needed)
