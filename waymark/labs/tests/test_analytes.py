"""The analyte catalogue: LOINC codes exactly as ../shared/clinical/REFERENCE.md §11
gives them (opiates screen 19295-5; 6-MAM 19321-9; fentanyl 59673-4;
buprenorphine 93494-3, bup + norbup 58359-1; methadone 19550-3; EDDP 93495-0),
no code for the analytes it does not list, and the illicit-opioid set."""

import re
from pathlib import Path

import pytest

from waymark.labs.analytes import ANALYTES, OPIOID_ANALYTES, Analyte, info

# Copied by hand from REFERENCE.md §11.
REFERENCE_CODES = {
    Analyte.OPIATES: "19295-5",
    Analyte.SIX_MAM: "19321-9",
    Analyte.FENTANYL: "59673-4",
    Analyte.BUPRENORPHINE: "93494-3",
    Analyte.METHADONE: "19550-3",
    Analyte.EDDP: "93495-0",
}
BUP_NORBUP_PANEL = "58359-1"

REFERENCE_MD = Path(__file__).resolve().parents[3].parent / "shared" / "clinical" / "REFERENCE.md"


def loinc_check_digit_ok(code: str) -> bool:
    """LOINC's mod-10 check digit (the Luhn algorithm): catches a mistyped digit."""
    number, check = code.split("-")
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10 == int(check)


class TestLoincCodes:
    @pytest.mark.parametrize(("analyte", "code"), REFERENCE_CODES.items())
    def test_it_uses_the_code_reference_md_gives(self, analyte: Analyte, code: str) -> None:
        assert info(analyte).loinc == code

    def test_it_gives_no_code_reference_md_does_not_give(self) -> None:
        without = {a for a, i in ANALYTES.items() if i.loinc is None}
        assert without == {
            Analyte.OXYCODONE,
            Analyte.COCAINE,
            Analyte.AMPHETAMINES,
            Analyte.BENZODIAZEPINES,
            Analyte.CANNABIS,
            Analyte.ALCOHOL,
        }
        for analyte in without:
            assert "no LOINC code in REFERENCE.md §11" in info(analyte).loinc_note

    def test_it_names_the_buprenorphine_norbuprenorphine_panel(self) -> None:
        assert BUP_NORBUP_PANEL in info(Analyte.BUPRENORPHINE).loinc_note
        assert all(BUP_NORBUP_PANEL not in i.loinc_note for a, i in ANALYTES.items() if a is not Analyte.BUPRENORPHINE)

    @pytest.mark.parametrize("code", [*REFERENCE_CODES.values(), BUP_NORBUP_PANEL])
    def test_every_code_has_a_valid_check_digit(self, code: str) -> None:
        assert loinc_check_digit_ok(code)

    def test_the_check_digit_test_can_fail(self) -> None:
        assert not loinc_check_digit_ok("59673-5")
        assert not loinc_check_digit_ok("59763-4")

    def test_codes_match_reference_md_section_11(self) -> None:
        if not REFERENCE_MD.exists():
            pytest.skip(f"{REFERENCE_MD} is not beside this checkout")
        text = REFERENCE_MD.read_text(encoding="utf-8")
        section = text.split("## 11. Codes", 1)[1].split("\n## ", 1)[0]
        in_reference = set(re.findall(r"\b\d{4,5}-\d\b", section))
        ours = {i.loinc for i in ANALYTES.values() if i.loinc} | {BUP_NORBUP_PANEL}
        assert ours == in_reference


class TestCatalogue:
    def test_it_lists_every_analyte_in_order(self) -> None:
        assert list(ANALYTES) == list(Analyte)
        assert all(a is i.code for a, i in ANALYTES.items())

    def test_opioid_set_is_the_illicit_opioid_targets(self) -> None:
        assert frozenset({Analyte.OPIATES, Analyte.SIX_MAM, Analyte.FENTANYL, Analyte.OXYCODONE}) == OPIOID_ANALYTES
        assert {a for a, i in ANALYTES.items() if i.opioid} == OPIOID_ANALYTES

    def test_medications_are_not_illicit_opioid_targets(self) -> None:
        assert Analyte.BUPRENORPHINE not in OPIOID_ANALYTES
        assert Analyte.METHADONE not in OPIOID_ANALYTES
        assert Analyte.EDDP not in OPIOID_ANALYTES

    def test_it_marks_oud_medications_and_their_metabolite(self) -> None:
        marked = {a: i.medication for a, i in ANALYTES.items() if i.medication}
        assert marked == {
            Analyte.BUPRENORPHINE: "buprenorphine",
            Analyte.METHADONE: "methadone",
            Analyte.EDDP: "methadone",
        }

    def test_labels(self) -> None:
        assert info(Analyte.SIX_MAM).label == "6-MAM (heroin marker)"
        assert info(Analyte.EDDP).label == "Methadone metabolite (EDDP)"
        assert info(Analyte.FENTANYL).label == "Fentanyl"

    def test_info_takes_the_stored_string(self) -> None:
        assert info("6-mam").code is Analyte.SIX_MAM
        assert info("eddp").code is Analyte.EDDP

    def test_info_rejects_an_unknown_analyte(self) -> None:
        with pytest.raises(ValueError):
            info("kratom")
