import re
from pathlib import Path

from waymark.core.rule_registry import RULES

DOC = Path(__file__).resolve().parents[3] / "docs" / "clinical-rules.md"


def _documented() -> dict[str, list[str]]:
    rows = {}
    for line in DOC.read_text().splitlines():
        match = re.match(r"^\| `([a-z0-9_.]+)` \|(.*)\|\s*$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
    return rows


class TestRuleRegistry:
    def test_every_rule_in_code_is_documented_and_vice_versa(self) -> None:
        assert set(_documented()) == {r.id for r in RULES}

    def test_defaults_and_sources_match(self) -> None:
        documented = _documented()
        for info in RULES:
            _, default, source, configurable = documented[info.id]
            assert default == info.default, info.id
            assert source == info.source, info.id
            assert configurable.replace("`", "") == info.configurable, info.id

    def test_every_rule_cites_a_source(self) -> None:
        for info in RULES:
            assert info.source.strip(), info.id
