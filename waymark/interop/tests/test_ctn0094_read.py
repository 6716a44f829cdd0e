"""Reading the CTN-0094 tables (interop/ctn0094.py) on small hand-written files with known answers: episodes
per distinct randomisation (duplicates collapse, a second phase ends the first), doses placed in episodes or
rejected, specimens with every tested group negative unless `uds` lists it, a recollected cup, rejected rows
reported with their line. When ../shared/data/ctn0094 exists, the real tables give the counts the data README
and a first look at the data found."""

import datetime as dt
import gzip
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from waymark.interop import ctn0094

META = """Substance,CTN-0027,CTN-0030,CTN-0051
Alcohol,Alcohol,NO,NO
Barbiturate,NO,NO,Barbiturate
Cannabinoids,THC,THC,THC
Opiate 300,Opioid,Opioid,Opioid
"""


def write(folder: Path, table: str, text: str) -> None:
    with gzip.open(folder / f"{table}.csv.gz", "wt", encoding="utf-8", newline="") as out:
        out.write(text)


@pytest.fixture
def trial(tmp_path: Path) -> ctn0094.Trial:
    write(tmp_path, "everybody", "who,project\n1,27\n2,30\n3,51\n4,27\n")
    write(tmp_path, "site_masked", "who,site_masked\n1,21\n2,35\n3,8\n4,21\n")
    write(
        tmp_path,
        "demographics",
        "who,age,is_hispanic,race,job,is_living_stable,education,marital,is_male\n"
        "1,43.0,No,White,,,,,Yes\n2,,Yes,Black,,,,,No\n3,30.0,,Other,,,,,\n4,29.0,No,White,,,,,Yes\n",
    )
    write(
        tmp_path,
        "randomization",
        "who,treatment,which,when\n"
        "1,Methadone,1,0.0\n1,Methadone,2,0.0\n"  # CTN-0027 repeats its randomisation
        "2,Outpatient BUP + EMM,1,7.0\n2,Outpatient BUP + SMM,2,40.0\n"  # CTN-0030's second phase
        "3,Inpatient NR-NTX,1,13.0\n3,Inpatient NR-NTX,2,13.0\n"
        "3,Unknown arm,1,20.0\n",
    )
    write(
        tmp_path,
        "treatment",
        "who,amount,when\n"
        "1,30.0,0.0\n1,40.0,1.0\n1,10.0,1.0\n"  # two doses on day 1
        "2,4.0,5.0\n"  # before the first randomisation
        "2,16.0,39.0\n2,8.0,40.0\n"  # phase 1's last day, phase 2's first
        "4,60.0,3.0\n"  # never randomised
        "3,1.0,\n",  # no day
    )
    write(tmp_path, "meta_substance_groups_uds", META)
    write(tmp_path, "uds", "who,what,when\n1,Opioid,7.0\n1,Thc,7.0\n3,Sedatives,14.0\n2,Opioid,20.0\n")
    write(tmp_path, "uds_temp", "who,was_temp_ok,when\n1,1,7.0\n3,0,14.0\n3,1,14.0\n2,99,9.0\n1,1,\n")
    write(tmp_path, "withdrawal", "who,withdrawal,when\n1,2,1.0\n1,,2.0\n2,4,3.0\n")
    write(
        tmp_path,
        "detox",
        "who,what,when\n3,admission,-6.0\n3,discharge,-1.0\n1,discharge,2.0\n2,admission,5.0\n",
    )
    write(
        tmp_path,
        "visit",
        "who,visit,what,is_no_note,when\n1,BASELINE,,,0.0\n1,WK1,visit,,7.0\n1,WK2,no visit,,\n"
        "2,WK3,MISSING,,21.0\n2,EOT,final,,60.0\n",
    )
    return ctn0094.read(tmp_path)


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
