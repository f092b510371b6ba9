"""A stateful fake of HashiCorp Vault 1.15 for tests: see ``core.FakeVault``."""

from tests.fakes.vault.contract import ContractViolation
from tests.fakes.vault.core import ADDRESS, FakeVault

__all__ = ["ADDRESS", "ContractViolation", "FakeVault"]
