"""`waymark import ctn0094`: the hand-written tables land in the program's own models with known values, a second
run adds nothing, bad folders and dates are refused with nothing saved, and the imported charts open."""

import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from waymark.assess.models import DetoxStay, InstrumentRecord
from waymark.assess.services import instrument_history
from waymark.care.models import Attendance
from waymark.chart.models import CareTeamMember, Episode, LevelOfCareChange, Patient
from waymark.conftest import make_user, sign_in
from waymark.core.models import AuditEvent, Program
from waymark.core.roles import Role
from waymark.interop import ctn_import
from waymark.interop.models import ImportRun
from waymark.interop.tests.ctn_tables import write, write_tables
from waymark.labs.models import AnalyteResult, Specimen
from waymark.meds.models import DoseAdministration, MedicationOrder

pytestmark = pytest.mark.django_db
START = dt.date(2000, 1, 1)


def day(number: int) -> dt.date:
    return START + dt.timedelta(days=number)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_tables(tmp_path)
    # Participant 3 (extended-release naltrexone) gets its injection on day 13, the CTN way: amount 1.
    write(
        tmp_path,
        "treatment",
        "who,amount,when\n1,30.0,0.0\n1,40.0,1.0\n1,10.0,1.0\n2,4.0,5.0\n2,16.0,39.0\n2,8.0,40.0\n"
        "2,64.0,41.0\n4,60.0,3.0\n3,1.0,13.0\n",
    )
    return tmp_path


def run_import(folder: Path, *args: str) -> str:
    out = StringIO()
    call_command("import", "ctn0094", str(folder), "--no-progress", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def result_map(specimen: Specimen) -> dict[str, str]:
    return dict(specimen.results.values_list("analyte", "result"))


def test_participants_become_patients_with_what_the_tables_hold(folder: Path) -> None:
    run_import(folder)
    program = Program.objects.get(name=ctn_import.DEFAULT_PROGRAM)
    patients = {p.mrn: p for p in Patient.objects.filter(program=program)}
    assert sorted(patients) == ["CTN-1", "CTN-2", "CTN-3", "CTN-4"]
    first = patients["CTN-1"]
    assert first.date_of_birth == dt.date(1957, 1, 1)  # 43 years before day 0
    assert first.sex_at_birth == "male" and first.site is not None and first.site.name == "Site 21"
    assert patients["CTN-2"].date_of_birth is None  # no age in the table: not made up
    assert patients["CTN-2"].sex_at_birth == "female"
    assert patients["CTN-3"].sex_at_birth == "unknown"
    assert not patients["CTN-4"].episodes.exists()  # never randomised


def test_an_episode_per_randomisation_with_the_arm_as_cohort(folder: Path) -> None:
    run_import(folder)
    episodes = list(Episode.objects.order_by("patient__mrn", "admitted_on"))
    shape = [(e.patient.mrn, e.cohort, e.admitted_on, e.discharged_on, e.level_of_care) for e in episodes]
    assert shape == [
        ("CTN-1", "Methadone", day(0), day(7), "otp"),  # one episode: the repeated randomisation collapses
        ("CTN-2", "Outpatient BUP + EMM", day(7), day(39), "outpatient"),  # ends the day before phase 2
        ("CTN-2", "Outpatient BUP + SMM", day(40), day(60), "outpatient"),  # ends on the last record (a visit)
        ("CTN-3", "Inpatient NR-NTX", day(13), day(14), "outpatient"),
    ]
    assert {e.primary_substance for e in episodes} == {"not_recorded"}
    assert LevelOfCareChange.objects.count() == 4


def test_doses_land_in_their_episode_under_a_stopped_order(folder: Path) -> None:
    run_import(folder)
    doses = DoseAdministration.objects.select_related("order", "patient").order_by("patient__mrn", "clinic_day", "slot")
    shape = [(d.patient.mrn, d.clinic_day, d.slot, d.amount_mg, d.order.medication, d.outcome) for d in doses]
    assert shape == [
        ("CTN-1", day(0), 1, Decimal("30.000"), "methadone", "observed"),
        ("CTN-1", day(1), 1, Decimal("40.000"), "methadone", "observed"),
        ("CTN-1", day(1), 2, Decimal("10.000"), "methadone", "observed"),
        ("CTN-2", day(39), 1, Decimal("16.000"), "buprenorphine_naloxone", "observed"),
        ("CTN-2", day(40), 1, Decimal("8.000"), "buprenorphine_naloxone", "observed"),
        ("CTN-2", day(41), 1, Decimal("64.000"), "buprenorphine_naloxone", "observed"),
        ("CTN-3", day(13), 1, Decimal("380.000"), "naltrexone_xr", "observed"),
    ]
    assert not MedicationOrder.objects.filter(status="active").exists()  # nothing shows as live at the window
    phase_one, phase_two = MedicationOrder.objects.filter(patient__mrn="CTN-2").order_by("start_on")
    assert (phase_one.start_on, phase_one.stop_on) == (day(39), day(39))
    assert (phase_two.start_on, phase_two.stop_on) == (day(40), day(41))
    injection = MedicationOrder.objects.get(patient__mrn="CTN-3")
    assert injection.frequency == "every_28_days" and injection.dose_mg == Decimal("380.000")
    assert DoseAdministration.objects.get(patient__mrn="CTN-3").notes == "CTN-0094 amount 1.0: one injection"
    report = ImportRun.objects.get()
    # 64 mg of buprenorphine-naloxone is above the input range: kept, and reported for a look.
    assert [w["note"] for w in report.warnings] == ["64.0 mg is above the usual input range for buprenorphine_naloxone"]
    reasons = {(r["table"], r["reason"]) for r in report.rejections}
    assert ("treatment", "a dose never randomised: its medication is unknown") in reasons
    assert ("treatment", "a dose before the participant's first randomisation: its medication is unknown") in reasons


def test_specimens_carry_every_tested_group(folder: Path) -> None:
    run_import(folder)
    first = Specimen.objects.get(patient__mrn="CTN-1")
    assert (first.clinic_day, first.kind, first.status, first.temperature_in_range) == (
        day(7),
        "urine",
        "collected",
        True,
    )
    # CTN-0027 tested alcohol, cannabis and opioids: two positives that day, alcohol negative.
    assert result_map(first) == {"opiates": "positive", "cannabis": "positive", "alcohol": "negative"}
    cold, recollected = Specimen.objects.filter(patient__mrn="CTN-3").order_by("idempotency_key")
    assert (cold.temperature_in_range, result_map(cold)) == (False, {})
    # Sedatives (barbiturates) have no Waymark analyte: counted in the report, not stored.
    assert recollected.temperature_in_range is True
    assert result_map(recollected) == {"opiates": "negative", "cannabis": "negative"}
    second = {s.clinic_day: s for s in Specimen.objects.filter(patient__mrn="CTN-2")}
    assert second[day(9)].temperature_in_range is None  # 99: not read
    assert result_map(second[day(20)]) == {"opiates": "positive", "cannabis": "negative"}  # no uds_temp row
    counts = ImportRun.objects.get().counts
    assert counts["results"]["not_stored_barbiturate_positive"] == 1
    assert counts["specimens"]["temperature_not_read"] == 2  # a 99, and a day with no uds_temp row


def test_withdrawal_detox_and_visits(folder: Path) -> None:
    run_import(folder)
    rating = InstrumentRecord.objects.get()
    assert (rating.patient.mrn, rating.instrument, rating.total, rating.answers) == (
        "CTN-1",
        "ctn-wd",
        2,
        {"withdrawal": 2},
    )
    assert rating.episode is not None and rating.episode.cohort == "Methadone"
    stay = DetoxStay.objects.get()
    assert stay.patient.mrn == "CTN-3" and stay.status == "discharged" and stay.protocol == "not_recorded"
    assert stay.episode.cohort == "Inpatient NR-NTX"  # randomised during the stay: its first episode
    assert stay.next_level_of_care == "outpatient"
    rejected = {r["reason"] for r in ImportRun.objects.get().rejections if r["table"] == "detox"}
    assert any("no discharge" in reason for reason in rejected)  # participant 2's open admission
    visits = Attendance.objects.order_by("patient__mrn", "starts_at").values_list(
        "patient__mrn", "session__topic", "status"
    )
    assert list(visits) == [
        ("CTN-1", "CTN-0094 visit BASELINE", "attended"),
        ("CTN-1", "CTN-0094 visit WK1", "attended"),
        ("CTN-2", "CTN-0094 visit WK3", "no_show"),
        ("CTN-2", "CTN-0094 visit EOT", "attended"),
    ]


def test_a_second_run_adds_nothing(folder: Path) -> None:
    run_import(folder)
    tables = (
        Patient,
        Episode,
        MedicationOrder,
        DoseAdministration,
        Specimen,
        AnalyteResult,
        InstrumentRecord,
        DetoxStay,
        Attendance,
    )
    before = {model.__name__: model.objects.count() for model in tables}
    output = run_import(folder)
    assert {model.__name__: model.objects.count() for model in tables} == before
    assert "doses         already there 7, read 7" in output
    assert ImportRun.objects.count() == 2
    # Each run is audited once, not once per row.
    assert AuditEvent.objects.filter(action="ctn0094_import").count() == 2


def test_start_date_and_program(folder: Path) -> None:
    run_import(folder, "--program", "Harbour history", "--start-date", "2010-06-01")
    patient = Patient.objects.get(mrn="CTN-1")
    assert patient.program.name == "Harbour history"
    assert patient.episodes.get().admitted_on == dt.date(2010, 6, 1)
    account = DoseAdministration.objects.order_by("pk")[0].recorded_by
    assert account is not None and not account.is_active and not account.has_usable_password()
    assert account.role == Role.PROGRAM_ADMIN and account.program == patient.program


def test_another_day_zero_for_the_same_program_is_refused(folder: Path) -> None:
    run_import(folder)
    before = DoseAdministration.objects.count()
    with pytest.raises(CommandError, match="already holds CTN-0094 records with day 0 on 2000-01-01"):
        run_import(folder, "--start-date", "2005-01-01")
    assert DoseAdministration.objects.count() == before and Episode.objects.count() == 4
    run_import(folder, "--start-date", "2005-01-01", "--program", "Another history")  # another program: fine
    assert Episode.objects.count() == 8


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start-date", "2999-01-01"], "in the future"),
        (["--start-date", "2026-11-01"], "would run into the future"),
        (["--start-date", "01/01/2000"], "is not a date"),
    ],
)
def test_bad_dates_are_refused_and_nothing_saved(folder: Path, args: list[str], message: str) -> None:
    with pytest.raises((CommandError, SystemExit)) as raised:
        run_import(folder, *args)
    if isinstance(raised.value, CommandError):
        assert message in str(raised.value)
    assert not Patient.objects.exists() and not ImportRun.objects.exists()


def test_a_folder_without_the_tables_is_refused(tmp_path: Path) -> None:
    (tmp_path / "everybody.csv").write_text("who,project\n1,27\n")
    with pytest.raises(CommandError, match="lacks these CTN-0094 tables: demographics"):
        run_import(tmp_path)
    with pytest.raises(CommandError, match="is not a folder"):
        run_import(tmp_path / "nowhere")
    assert not Patient.objects.exists()


def test_imported_charts_open(folder: Path, client: Client) -> None:
    run_import(folder)
    program = Program.objects.get(name=ctn_import.DEFAULT_PROGRAM)
    assert [h.instrument.code for h in instrument_history(Patient.objects.get(mrn="CTN-1"))] == ["ctn-wd"]
    prescriber = make_user(program, Role.PRESCRIBER, "reviewer")
    sign_in(client, prescriber)
    for mrn in ("CTN-1", "CTN-2"):  # CTN-2 has no recorded birth date
        patient = Patient.objects.get(mrn=mrn)
        CareTeamMember.objects.create(patient=patient, user=prescriber, role="prescriber")
        page = client.get(f"/patients/{patient.pk}/")
        assert page.status_code == 200
    assert "date of birth not recorded" in page.content.decode()
    first = Patient.objects.get(mrn="CTN-1")
    instruments_page = client.get(f"/assess/patients/{first.pk}/instruments/").content.decode()
    assert "Withdrawal severity 2 of 3" in instruments_page
    # Imported-only: it can be read, never given.
    assert client.get(f"/assess/patients/{first.pk}/instruments/ctn-wd/record/").status_code == 404
