"""`waymark import csv`: a program moving from another system loads patients, doses and drug tests; each bad
row is refused with its line, column and reason and saves nothing; good rows land; a second run adds nothing."""

import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from waymark.chart.models import Patient
from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.interop.models import ImportRun
from waymark.labs.models import Specimen
from waymark.meds.models import DoseAdministration, MedicationOrder

pytestmark = pytest.mark.django_db


def load(world: World, tmp_path: Path, what: str, text: str) -> str:
    path = tmp_path / f"{what}.csv"
    path.write_text(text)
    out = StringIO()
    call_command("import", "csv", what, str(path), "--program", world.program.name, stdout=out)
    return out.getvalue()


PATIENTS = (
    "MRN,Given_Name,Family_Name,Date_Of_Birth,Sex_At_Birth,Site\n"
    "A-100,Robin,Okafor,1985-04-02,female,{site}\n"
    "A-101,Sam,Reyes,1990-13-01,male,\n"  # no 13th month
    "A-102,Lee,Park,2999-01-01,,\n"  # born in the future
    "A-103,,Moreno,1979-07-30,,\n"  # no given name
    "A-104,Jo,Bell,1969-02-11,woman,\n"  # not a choice
    "A-105,Ari,Stone,1999-09-09,,\n"
    "A 106,Kim,Ng,1999-09-09,,\n"  # a space in the MRN
)


def test_patients_good_rows_land_and_bad_rows_say_why(world: World, tmp_path: Path) -> None:
    output = load(world, tmp_path, "patients", PATIENTS.format(site=world.site.name))
    robin = Patient.objects.get(program=world.program, mrn="A-100")
    assert (robin.given_name, robin.date_of_birth, robin.sex_at_birth, robin.site) == (
        "Robin",
        dt.date(1985, 4, 2),
        "female",
        world.site,
    )
    assert Patient.objects.filter(program=world.program, mrn="A-105").exists()
    assert not Patient.objects.filter(mrn__in=["A-101", "A-102", "A-103", "A-104"]).exists()
    problems = {(r["row"], r["column"]): r["reason"] for r in ImportRun.objects.get().rejections}
    assert problems == {
        (3, "date_of_birth"): "'1990-13-01' is not a date; write it like 2024-03-31",
        (4, "date_of_birth"): "2999-01-01 is in the future",
        (5, "given_name"): "This field cannot be blank.",
        (6, "sex_at_birth"): "'woman' is not one of: female, male, intersex, unknown",
        (8, "mrn"): "'A 106' is not an MRN: 1–32 letters, digits and '-'",
    }
    assert "refused line 4, date_of_birth: 2999-01-01 is in the future" in output
    assert "added 2" in output and "rejected 5" in output


def test_a_second_run_adds_nothing_and_each_run_is_audited_once(world: World, tmp_path: Path) -> None:
    load(world, tmp_path, "patients", PATIENTS.format(site=""))
    before = Patient.objects.count()
    output = load(world, tmp_path, "patients", PATIENTS.format(site=""))
    assert Patient.objects.count() == before
    assert "already there 2" in output
    assert AuditEvent.objects.filter(action="csv_import", program_id=world.program.pk).count() == 2


def test_doses(world: World, tmp_path: Path) -> None:
    mrn = world.patient.mrn
    text = (
        "mrn,clinic_day,medication,amount_mg,slot,outcome\n"
        f"{mrn},2024-03-01,methadone,80,,\n"
        f"{mrn},2024-03-02,methadone,85.5,1,observed\n"
        f"{mrn},2024-03-03,methadone,,1,missed\n"
        f"{mrn},2024-03-04,methadone,0,1,\n"  # 0 mg
        f"{mrn},2024-03-05,methadone,1000,1,\n"  # 1,000 mg
        f"{mrn},2024-03-06,aspirin,10,1,\n"
        f"NOBODY,2024-03-07,methadone,80,1,\n"
        f"{world.outsider_patient.mrn}X,2024-03-07,methadone,80,1,\n"
        f"{mrn},2024-03-02,methadone,85.5,1,\n"  # the same slot twice in the file
        f"{mrn},2999-03-02,methadone,85.5,1,\n"
        f"{mrn},2024-03-08,buprenorphine,60,1,\n"  # above 48 mg
        f"{mrn},2024-03-09,methadone,40,1,missed\n"  # a missed dose with an amount
    )
    load(world, tmp_path, "doses", text)
    doses = DoseAdministration.objects.filter(patient=world.patient).order_by("clinic_day")
    assert [(d.clinic_day.day, d.outcome, d.amount_mg) for d in doses] == [
        (1, "observed", Decimal("80.000")),
        (2, "observed", Decimal("85.500")),
        (3, "missed", None),
    ]
    order = MedicationOrder.objects.get(patient=world.patient, medication="methadone", status="stopped")
    assert (order.start_on, order.stop_on) == (dt.date(2024, 3, 1), dt.date(2024, 3, 3))
    reasons = {r["row"]: (r["column"], r["reason"]) for r in ImportRun.objects.get().rejections}
    assert reasons[5] == ("amount_mg", "0 mg is outside 0.5–400 mg for methadone oral solution")
    assert reasons[6] == ("amount_mg", "1000 mg is outside 0.5–400 mg for methadone oral solution")
    assert reasons[7][0] == "medication" and "'aspirin' is not one of" in reasons[7][1]
    assert reasons[8] == ("mrn", "no patient with MRN 'NOBODY' in this program (import the patients first)")
    assert reasons[9][0] == "mrn"  # another program's patient is not found here
    assert reasons[10][0] == "slot"
    assert reasons[11] == ("clinic_day", "2999-03-02 is in the future")
    assert reasons[12] == ("amount_mg", "60 mg is outside 0.5–48 mg for buprenorphine sublingual tablet")
    assert reasons[13] == ("amount_mg", "a missed dose has no amount; leave amount_mg empty")
    # Again: nothing more.
    load(world, tmp_path, "doses", text)
    assert DoseAdministration.objects.filter(patient=world.patient).count() == 3


def test_specimens(world: World, tmp_path: Path) -> None:
    mrn = world.patient.mrn
    text = (
        "mrn,collected_on,kind,status,temperature_in_range,opiates,fentanyl,buprenorphine\n"
        f"{mrn},2024-03-01,urine,collected,yes,negative,positive,\n"
        f"{mrn},2024-03-08,,missed,,,,\n"
        f"{mrn},2024-03-15,oral_fluid,collected,yes,negative,,\n"  # temperature on oral fluid
        f"{mrn},2024-03-22,urine,collected,maybe,,,\n"
        f"{mrn},2024-03-29,urine,collected,,postive,,\n"
        f"{mrn},2024-04-05,urine,missed,,negative,,\n"
    )
    load(world, tmp_path, "specimens", text)
    specimens = {s.clinic_day.day: s for s in Specimen.objects.filter(patient=world.patient)}
    assert sorted(specimens) == [1, 8]
    first = specimens[1]
    assert first.temperature_in_range is True
    assert dict(first.results.values_list("analyte", "result")) == {"opiates": "negative", "fentanyl": "positive"}
    assert specimens[8].status == "missed" and not specimens[8].results.exists()
    reasons = {r["row"]: (r["column"], r["reason"]) for r in ImportRun.objects.get().rejections}
    assert reasons == {
        4: ("temperature_in_range", "only a collected urine cup has a temperature reading"),
        5: ("temperature_in_range", "'maybe' is not yes, no or empty"),
        6: ("opiates", "'postive' is not one of: positive, negative, invalid"),
        7: ("status", "a missed test has no results; leave the analyte columns empty"),
    }
    load(world, tmp_path, "specimens", text)
    assert Specimen.objects.filter(patient=world.patient).count() == 2


@pytest.mark.parametrize(
    ("what", "text", "message"),
    [
        ("patients", "mrn,given_name\nA-1,Robin\n", "lacks the column(s) family_name, date_of_birth"),
        ("doses", "mrn,clinic_day,medication,amount_mg,colour\n", "does not know: colour"),
    ],
)
def test_files_that_cannot_be_imported_save_nothing(
    world: World, tmp_path: Path, what: str, text: str, message: str
) -> None:
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load(world, tmp_path, what, text)
    assert not ImportRun.objects.exists()


def test_an_unknown_program_is_refused(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("mrn\n")
    with pytest.raises(CommandError, match="no program named 'Nowhere'"):
        call_command("import", "csv", "patients", str(tmp_path / "p.csv"), "--program", "Nowhere")


def test_an_mrn_never_mixes_two_people(world: World, tmp_path: Path) -> None:
    existing = world.patient
    text = (
        "mrn,given_name,family_name,date_of_birth\n"
        f"{existing.mrn},Someone,Else,1970-01-01\n"  # the program's chart under that MRN is another person
        f"{existing.mrn},{existing.given_name.upper()},{existing.family_name},{existing.date_of_birth:%Y-%m-%d}\n"
        "B-1,Robin,Okafor,1985-04-02\n"
        "B-1,Robyn,Okafor,1985-04-02\n"  # the same MRN twice in the file, another name
    )
    output = load(world, tmp_path, "patients", text)
    reasons = {r["row"]: (r["column"], r["reason"]) for r in ImportRun.objects.get().rejections}
    assert reasons == {
        2: ("mrn", f"MRN {existing.mrn} already belongs to a chart with another name or birth date"),
        5: ("mrn", "MRN B-1 already belongs to a chart with another name or birth date"),
    }
    assert "already there 1" in output  # the same person, whatever the case of the name
    assert Patient.objects.get(program=world.program, mrn="B-1").given_name == "Robin"


def test_rows_that_would_break_the_database_are_refused_one_by_one(world: World, tmp_path: Path) -> None:
    mrn = world.patient.mrn
    born = world.patient.date_of_birth
    assert born is not None
    doses = (
        "mrn,clinic_day,medication,amount_mg\n"
        f"{mrn},2024-03-01,methadone,NaN\n"
        f"{mrn},2024-03-02,methadone,80.12345\n"
        f"{mrn},{born.replace(year=born.year - 1):%Y-%m-%d},methadone,80\n"  # before birth
        f"{mrn},2024-03-04,methadone,80\n"
    )
    load(world, tmp_path, "doses", doses)
    reasons = {r["row"]: (r["column"], r["reason"]) for r in ImportRun.objects.get().rejections}
    assert reasons[2] == ("amount_mg", "'NaN' is not a number of mg")
    assert reasons[3] == ("amount_mg", "80.12345 mg has more than 3 decimal places")
    assert reasons[4][0] == "clinic_day" and "before the person's birth date" in reasons[4][1]
    assert DoseAdministration.objects.filter(patient=world.patient).count() == 1
    specimens = (
        "mrn,collected_on,status,temperature_in_range,fentanyl\n"
        f"{mrn},2024-03-01,missed,yes,\n"  # a missed test has no cup to read
        f"{mrn},2024-03-08,collected,yes,negative\n"
        f"{mrn},2024-03-08,collected,yes,positive\n"  # the same test twice, other results
    )
    load(world, tmp_path, "specimens", specimens)
    reasons = {r["row"]: (r["column"], r["reason"]) for r in ImportRun.objects.latest("started_at").rejections}
    assert reasons[2] == ("temperature_in_range", "only a collected urine cup has a temperature reading")
    assert reasons[4][0] == "sequence"
    specimen = Specimen.objects.get(patient=world.patient)
    assert dict(specimen.results.values_list("analyte", "result")) == {"fentanyl": "negative"}
    # Sent again later with other results: refused, the stored test stands.
    load(world, tmp_path, "specimens", f"mrn,collected_on,fentanyl\n{mrn},2024-03-08,positive\n")
    refused = ImportRun.objects.latest("started_at").rejections
    assert [r["reason"] for r in refused] == [
        f"a test for {mrn} on 2024-03-08 sequence 1 was imported before with other results; correct it in the chart"
    ]
    assert specimen.results.get().result == "negative"
