"""The shape of a rule's entry in the registry (pure; domain rule modules import it)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleInfo:
    id: str
    summary: str
    default: str
    source: str
    configurable: str  # "no", "per deployment (ENV_VAR)", or "per program (rule_settings key)"
