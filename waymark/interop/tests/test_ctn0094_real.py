"""The real CTN-0094 tables (when ../shared/data/ctn0094 is beside the checkout): the import's counts match what
the tables hold, and the outcomes on the imported program are plausible (issue #10 "Must show"): nearly everyone
randomised to methadone received a dose, retention falls with time, the second phase of CTN-0030 is its own
episode, and a second run adds nothing."""

import pytest

from waymark.chart.models import Episode, Patient
from waymark.interop import ctn_import
from waymark.labs.models import AnalyteResult, Specimen
from waymark.meds.models import DoseAdministration, MedicationOrder
from waymark.outcomes.report import OutcomeQuery, outcomes

FOLDER = ctn_import.ctn0094_dir()
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(FOLDER is None, reason="the CTN-0094 reference data is not on this machine"),
]


def test_the_trials_import_and_their_outcomes_are_plausible() -> None:
    assert FOLDER is not None
    report = ctn_import.do_import_ctn0094(FOLDER)
    program = report.program
    assert Patient.objects.filter(program=program).count() == 3_560
    assert Episode.objects.filter(patient__program=program).count() == 2_852  # 2,492 first phases + 360 second
    assert DoseAdministration.objects.filter(patient__program=program).count() == 216_236
    assert Specimen.objects.filter(patient__program=program).count() == 36_678
    assert report.counts["doses"]["added"] == 216_236
    assert report.counts["participants"]["no_age"] == 208
    assert not MedicationOrder.objects.filter(status="active").exists()
    assert not Episode.objects.filter(discharged_on__isnull=True).exists()
    # Every specimen's opioid result is there (CTN-0027/30/51 all tested "Opioid").
    assert (
        AnalyteResult.objects.filter(analyte="opiates").count()
        == Specimen.objects.exclude(results__isnull=True).count()
    )

    groups = {g.group: g for g in outcomes(OutcomeQuery(program_ids=(program.pk,), retention_days=(30, 90, 180)))}
    assert set(groups) == {
        "Methadone",
        "Outpatient BUP",
        "Outpatient BUP + EMM",
        "Outpatient BUP + SMM",
        "Inpatient BUP",
        "Inpatient NR-NTX",
    }
    methadone = groups["Methadone"]
    assert methadone.episodes == 529
    assert methadone.inducted / methadone.episodes >= 0.95  # nearly everyone randomised to methadone was dosed
    for group in groups.values():
        assert group.episodes >= group.inducted >= group.retained[30] >= group.retained[90] >= group.retained[180]
        assert group.negative_share is not None and 0 < group.negative_share < 1
    # CTN-0030's phase 2 (360 second randomisations) shows as second episodes of the same people.
    phase_two = groups["Outpatient BUP + EMM"].episodes + groups["Outpatient BUP + SMM"].episodes
    assert phase_two == 329 + 324 + 360

    again = ctn_import.do_import_ctn0094(FOLDER)
    assert again.counts["doses"].get("added", 0) == 0 and again.counts["doses"]["already_there"] == 216_236
    assert Episode.objects.filter(patient__program=program).count() == 2_852
