"""Reading the CTN-0094 tables (interop/ctn0094.py) on small hand-written files with known answers: episodes
per distinct randomisation (duplicates collapse, a second phase ends the first), doses placed in episodes or
rejected, specimens with every tested group negative unless `uds` lists it, a recollected cup, rejected rows
reported with their line. When ../shared/data/ctn0094 exists, the real tables give the counts the data README
and a first look at the data found."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from waymark.interop import ctn0094
from waymark.interop.tests.ctn_tables import write_tables


@pytest.fixture
def trial(tmp_path: Path) -> ctn0094.Trial:
    return ctn0094.read(write_tables(tmp_path))


def test_participants_with_their_project_site_and_age(trial: ctn0094.Trial) -> None:
    assert sorted(trial.participants) == [1, 2, 3, 4]
    assert trial.participants[1] == ctn0094.Participant(1, 27, "21", 43, True, False, "White")
    assert trial.participants[2].age is None and trial.participants[2].is_hispanic is True
    assert trial.participants[3].is_male is None


def test_an_episode_per_distinct_randomisation(trial: ctn0094.Trial) -> None:
    assert trial.episodes[1] == [ctn0094.Episode(1, "Methadone", "methadone", 0, None, 1)]
    first, second = trial.episodes[2]
    assert (first.arm, first.start_day, first.end_day, first.phase) == ("Outpatient BUP + EMM", 7, 39, 1)
    assert (second.arm, second.start_day, second.end_day, second.phase) == ("Outpatient BUP + SMM", 40, None, 2)
    assert [e.medication for e in trial.episodes[3]] == ["naltrexone_xr"]
    assert 4 not in trial.episodes
    assert ctn0094.Rejected("randomization", 8, "an unknown arm 'Unknown arm'") in trial.rejected


def test_doses_go_to_the_episode_of_their_day_or_are_rejected(trial: ctn0094.Trial) -> None:
    placed = [(d.who, d.day, d.slot, d.amount_mg, d.episode.phase) for d in trial.doses]
    assert placed == [
        (1, 0, 1, Decimal("30.0"), 1),
        (1, 1, 1, Decimal("40.0"), 1),
        (1, 1, 2, Decimal("10.0"), 1),
        (2, 39, 1, Decimal("16.0"), 1),
        (2, 40, 1, Decimal("8.0"), 2),
    ]
    reasons = {(r.line, r.reason) for r in trial.rejected if r.table == "treatment"}
    assert reasons == {
        (5, "a dose before the participant's first randomisation: its medication is unknown"),
        (8, "a dose never randomised: its medication is unknown"),
        (9, "no participant, no day, or no amount"),
    }


def test_specimens_carry_every_tested_group(trial: ctn0094.Trial) -> None:
    by_key = {(s.who, s.day, s.sequence): s for s in trial.specimens}
    # CTN-0027 tests alcohol, THC and opioids: two positives, alcohol negative.
    assert by_key[(1, 7, 1)].results == {"alcohol": False, "thc": True, "opioid": True}
    assert by_key[(1, 7, 1)].temperature_ok is True
    # A cup out of temperature, then its recollection: the results are on the second.
    assert by_key[(3, 14, 1)].temperature_ok is False and by_key[(3, 14, 1)].results == {}
    assert by_key[(3, 14, 2)].results == {"barbiturate": True, "thc": False, "opioid": False}
    # Temperature not recorded (99): unknown; CTN-0030 did not test alcohol.
    assert by_key[(2, 9, 1)].temperature_ok is None
    assert by_key[(2, 9, 1)].results == {"thc": False, "opioid": False}
    # Positives with no temperature row still make a specimen.
    assert by_key[(2, 20, 1)].results == {"thc": False, "opioid": True} and by_key[(2, 20, 1)].temperature_ok is None
    assert ctn0094.Rejected("uds_temp", 6, "no participant or no day") in trial.rejected


def test_withdrawal_ratings_detox_stays_and_dated_visits(trial: ctn0094.Trial) -> None:
    assert trial.withdrawal == [ctn0094.WithdrawalRating(1, 1, 2)]
    assert {(r.table, r.line) for r in trial.rejected if r.table == "withdrawal"} == {
        ("withdrawal", 3),
        ("withdrawal", 4),
    }
    assert trial.detox == [ctn0094.DetoxStay(2, 5, None), ctn0094.DetoxStay(3, -6, -1)]
    assert ctn0094.Rejected("detox", 4, "a discharge without an admission") in trial.rejected
    assert [(v.who, v.day, v.label, v.attended) for v in trial.visits] == [
        (1, 0, "BASELINE", True),
        (1, 7, "WK1", True),
        (2, 21, "WK3", False),
        (2, 60, "EOT", True),
    ]


def test_day_numbers_become_dates_from_the_start() -> None:
    assert ctn0094.date_for(dt.date(2000, 1, 1), -6) == dt.date(1999, 12, 26)
    assert ctn0094.date_for(dt.date(2000, 1, 1), 366) == dt.date(2001, 1, 1)


SHARED = Path(settings.BASE_DIR).parent / "shared" / "data" / "ctn0094"


@pytest.mark.skipif(not SHARED.exists(), reason="the CTN-0094 reference data is not on this machine")
def test_the_real_tables() -> None:
    trial = ctn0094.read(SHARED)
    assert len(trial.participants) == 3560
    assert sum(len(e) for e in trial.episodes.values()) == 2852
    assert sum(1 for e in trial.episodes.values() if len(e) == 2) == 360
    assert len(trial.episodes) == 2492
    assert len(trial.doses) == 216242 - 6  # 2 before a first randomisation, 4 never randomised
    methadone = [e for es in trial.episodes.values() for e in es if e.arm == "Methadone"]
    dosed = {d.episode for d in trial.doses if d.episode.arm == "Methadone"}
    assert len(methadone) == 529 and len(dosed) >= 0.95 * len(methadone)
    assert len(trial.specimens) >= 36_680 - 6  # a row per uds_temp row with a day, and a few positives without
    assert len(trial.withdrawal) == 14_983 - 5  # the rows without a rating (one of them also without a day)
    assert len({s.who for s in trial.detox}) == 657  # of 658 in the table: one has no day on either row
    assert len(trial.visits) == 53_899 - 10_818  # the undated rows are exactly the missed visits
