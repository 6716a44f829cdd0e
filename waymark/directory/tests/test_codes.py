"""The code key's categories and the friendly filters (codes.py): parsing `service_code_info` into its `*`
groups, every group falling in one category — in the hand-written fixture always, and in every row of the
national file when ../shared/data is there — and the filters meaning what their labels say."""

import csv
import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest

from waymark.directory import codes
from waymark.directory.codes import CATEGORIES, FILTERS, CodeError, category_of, codes_for, parse_service_info
from waymark.directory.importer import STATES, check_row
from waymark.directory.tests.helpers import SHARED_SAMHSA

DATA = Path(__file__).parent / "data"
NATIONAL = SHARED_SAMHSA / "facilities.csv.gz"
NATIONAL_KEY = SHARED_SAMHSA / "service_definitions.csv.gz"
needs_national = pytest.mark.skipif(
    not (NATIONAL.is_file() and NATIONAL_KEY.is_file()),
    reason="the national directory is not beside this checkout (../shared)",
)


def read_csv(path: Path) -> Iterator[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="") as f:
        yield from csv.DictReader(f)


def substance_key(path: Path) -> dict[str, str]:
    return {r["code"]: r["label"] for r in read_csv(path) if r["directory_type"] == "substance"}


def importable_rows(path: Path, key: set[str]) -> Iterator[dict[str, str]]:
    """The substance use rows the importer takes (rejected rows are not in any category: their columns are
    shifted)."""
    for row in read_csv(path):
        if row["directory_type"] == "substance" and not check_row(row, key, website=False).reasons:
            yield row


def category_of_group(group: list[str]) -> set[str]:
    return {category_of(code).slug for code in group}


class TestParsingServiceInfo:
    @pytest.mark.parametrize(
        "text,groups",
        [
            ("SA DT * OP OD", [["SA", "DT"], ["OP", "OD"]]),
            ("SA", [["SA"]]),
            ("  SA  DT *  * OP  ", [["SA", "DT"], ["OP"]]),
            ("SA*OP", [["SA"], ["OP"]]),
            ("", []),
            ("*", []),
        ],
    )
    def test_it_splits_on_stars_and_drops_empty_groups(self, text: str, groups: list[list[str]]) -> None:
        assert parse_service_info(text) == groups

    def test_every_group_of_the_fixture_is_one_category(self) -> None:
        key = set(substance_key(DATA / "service_definitions.csv"))
        rows = list(importable_rows(DATA / "facilities.csv", key))
        assert len(rows) >= 7  # (check_row alone does not see duplicate ids or an extra field)
        for row in rows:
            for group in parse_service_info(row["service_code_info"]):
                assert len(category_of_group(group)) == 1 and category_of(group[0]) is not codes.OTHER, group

    def test_a_code_of_a_later_key_is_other(self) -> None:
        assert category_of("NEWCODE") is codes.OTHER
        assert category_of("MM").slug == "opioid_services"


class TestCategories:
    def test_a_code_is_in_one_category(self) -> None:
        every = [code for c in CATEGORIES for code in c.codes]
        assert len(every) == len(set(every))
        assert len({c.slug for c in CATEGORIES}) == len(CATEGORIES)

    def test_every_category_is_searched_by_at_most_one_parameter(self) -> None:
        named = [slug for slugs in codes.PARAMETER_CATEGORIES.values() for slug in slugs]
        assert len(named) == len(set(named))
        assert set(named) <= set(codes.CATEGORY_BY_SLUG)

    @pytest.mark.parametrize("f", FILTERS, ids=lambda f: f.slug)
    def test_each_filters_codes_belong_to_its_parameter(self, f: codes.Filter) -> None:
        assert f.codes
        for code in f.codes:
            assert codes.PARAMETER_OF_CATEGORY[category_of(code).slug] == f.parameter, code

    def test_the_fixture_key_is_in_the_categories(self) -> None:
        assert set(substance_key(DATA / "service_definitions.csv")) <= set(codes.CATEGORY_OF_CODE)


class TestCodesFor:
    KNOWN = set(codes.CATEGORY_OF_CODE)

    def test_friendly_filters_and_codes_mix(self) -> None:
        assert codes_for("services", ["methadone", "bu", " ", "MM"], self.KNOWN) == ("MM", "BU")
        assert codes_for("payment", ["Medicaid", "SS"], self.KNOWN) == ("MD", "SS")

    @pytest.mark.parametrize(
        "parameter,value,message",
        [
            ("services", "medicaid", "“medicaid” is a payment filter; use payment=."),
            ("services", "XYZ", "Unknown code “XYZ”"),
            (
                "payment",
                "MM",
                "“MM” (medication services for opioid use disorder) is not a payment code; use services=",
            ),
            ("language", "PVTN", "is not a language code; it cannot be searched on"),
        ],
    )
    def test_a_bad_value_names_the_parameter(self, parameter: str, value: str, message: str) -> None:
        with pytest.raises(CodeError) as error:
            codes_for(parameter, [value], self.KNOWN)
        assert error.value.parameter == parameter
        assert message in str(error.value)


@needs_national
class TestTheNationalFile:
    def test_the_key_and_the_categories_hold_the_same_codes(self) -> None:
        key = substance_key(NATIONAL_KEY)
        assert len(key) == 224
        assert set(key) == set(codes.CATEGORY_OF_CODE)

    def test_every_group_of_every_row_lies_in_one_category(self) -> None:
        key = set(substance_key(NATIONAL_KEY))
        rows = 0
        mixed: list[tuple[str, list[str]]] = []
        for row in importable_rows(NATIONAL, key):
            rows += 1
            for group in parse_service_info(row["service_code_info"]):
                if len(category_of_group(group)) != 1 or category_of(group[0]) is codes.OTHER:
                    mixed.append((row["facility_id"], group))
        assert rows == 12_200
        assert mixed == []

    def test_a_categorys_groups_come_in_the_keys_order(self) -> None:
        """The groups of a row follow CATEGORIES' order (the order of SAMHSA's headings)."""
        key = set(substance_key(NATIONAL_KEY))
        order = {c.slug: i for i, c in enumerate(CATEGORIES)}
        for row in importable_rows(NATIONAL, key):
            positions = [order[category_of(g[0]).slug] for g in parse_service_info(row["service_code_info"])]
            assert positions == sorted(positions), row["facility_id"]

    def test_every_state_of_the_file_is_a_state_code(self) -> None:
        states = {r["state"] for r in read_csv(NATIONAL) if r["directory_type"] == "substance" and r["name1"]}
        assert states <= STATES
