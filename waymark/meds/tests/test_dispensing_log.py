"""GET /meds/log/ and /meds/log.csv: the daily dispensing log with every 21 CFR 1304.24 field
(REFERENCE.md §10), printable, exported, audited once; POST /meds/log/sign-off/ by each nurse."""

import csv
import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from waymark.chart.models import Patient
from waymark.conftest import World, make_patient, make_user, sign_in
from waymark.core.models import AuditEvent, User
from waymark.core.roles import Role
from waymark.meds import services, stock
from waymark.meds.models import (
    DispensingSignOff,
    DoseAdministration,
    Injection,
    MedicationOrder,
    TakeHomeDispense,
)
from waymark.meds.tests.conftest import dose_input, today

pytestmark = pytest.mark.django_db

CONSIDERATIONS = (
    "no_active_use_or_risk",
    "regular_attendance",
    "no_serious_behaviour",
    "no_recent_diversion",
    "safe_storage",
)

# The 21 CFR 1304.24 fields, as the log's table heads them.
FIELD_HEADINGS = (
    "Date",
    "Substance",
    "Strength",
    "Dosage form",
    "Patient",
    "MRN",
    "Amount consumed",
    "Amount and form taken home",
    "Dispenser's initials",
)


def named_nurse(world: World) -> User:
    nurse = world.user(Role.NURSE)
    nurse.first_name, nurse.last_name = "Nora", "Quinn"
    nurse.save(update_fields=["first_name", "last_name"])
    return nurse


def eligible(world: World, patient: Patient) -> None:
    services.record_eligibility(
        world.user(Role.PRESCRIBER),
        patient,
        assessed_on=today(patient),
        eligible=True,
        **dict.fromkeys(CONSIDERATIONS, True),
        **{f"{c}_note": "Discussed and documented." for c in CONSIDERATIONS},
        other_considerations="Lockbox at home.",
    )


def take_home(world: World, nurse: User, patient: Patient, days: int = 2, lot: str = "LOT-7") -> TakeHomeDispense:
    """Bottles for the `days` after today, through the service (eligibility documented first)."""
    eligible(world, patient)
    day = today(patient)
    record, _ = services.dispense_take_home(
        nurse,
        patient,
        idempotency_key=str(uuid.uuid4()),
        first_day=day + dt.timedelta(days=1),
        last_day=day + dt.timedelta(days=days),
        lot_number=lot,
    )
    return record


def log_url(day: dt.date, world: World) -> str:
    return f"{reverse('meds:log')}?day={day.isoformat()}&site={world.site.pk}"


@pytest.fixture
def dispensed(world: World, on_methadone: MedicationOrder) -> dt.date:
    """Today at world.site: one observed 80 mg dose and two take-home bottles for world.patient."""
    nurse = named_nurse(world)
    services.record_administration(nurse, world.patient, dose_input("80"))
    take_home(world, nurse, world.patient)
    return today(world.patient)


class TestLogLines:
    def test_it_shows_every_field_of_an_observed_dose(self, world: World, dispensed: dt.date, as_role) -> None:
        page = as_role(Role.NURSE).get(log_url(dispensed, world))
        assert page.status_code == 200
        html = page.content.decode()
        for heading in FIELD_HEADINGS:
            assert f'<th scope="col">{heading}</th>' in html, heading
        log = page.context["log"]
        observed = next(line for line in log.lines if line.kind == "observed")
        assert observed.substance == "Methadone oral solution"
        assert observed.strength == "10 mg/mL"
        assert observed.form == "oral solution"
        assert observed.day == dispensed
        assert (observed.patient_name, observed.mrn) == ("Whitlock, Dana", "HR-1")
        assert observed.consumed == "80 mg (8 mL)"
        assert observed.initials == "NQ"
        for shown in ("Methadone oral solution", "10 mg/mL", "Whitlock, Dana", "HR-1", "80 mg (8 mL)", ">NQ<"):
            assert shown in html, shown
        assert dispensed.strftime("%Y-%m-%d") in html

    def test_a_take_home_line_shows_the_amount_and_form_taken_home(
        self, world: World, dispensed: dt.date, as_role
    ) -> None:
        page = as_role(Role.NURSE).get(log_url(dispensed, world))
        line = next(line for line in page.context["log"].lines if line.kind == "take_home")
        assert line.taken_home == "2 bottles × 80 mg (8 mL) oral solution = 160 mg (16 mL)"
        assert line.consumed == ""
        assert line.lot == "LOT-7"
        html = page.content.decode()
        assert "2 bottles × 80 mg (8 mL) oral solution = 160 mg (16 mL)" in html
        first, last = dispensed + dt.timedelta(days=1), dispensed + dt.timedelta(days=2)
        assert f"for {first:%Y-%m-%d} to {last:%Y-%m-%d}" in html

    def test_it_totals_each_medication(self, world: World, dispensed: dt.date, as_role) -> None:
        (total,) = as_role(Role.NURSE).get(log_url(dispensed, world)).context["log"].totals
        assert (total.observed_doses, total.observed_mg, total.observed_ml) == (1, Decimal(80), Decimal(8))
        assert (total.take_homes, total.bottles, total.take_home_mg, total.take_home_ml) == (1, 2, 160, 16)
        assert total.total_mg == 240

    def test_refused_doses_and_other_days_and_sites_stay_out(
        self, world: World, on_methadone: MedicationOrder, as_role
    ) -> None:
        nurse = world.user(Role.NURSE)
        refused = services.AdministrationInput(
            idempotency_key=str(uuid.uuid4()), slot=1, outcome="refused", notes="Felt unwell"
        )
        services.record_administration(nurse, world.patient, refused)
        page = as_role(Role.NURSE).get(log_url(today(world.patient), world))
        assert page.context["log"].lines == []
        assert "Nothing was dispensed at this site on this day." in page.content.decode()
        # Yesterday's observed dose (the fixture's) is in yesterday's log.
        yesterday = as_role(Role.NURSE).get(log_url(today(world.patient) - dt.timedelta(days=1), world))
        assert len(yesterday.context["log"].lines) == 1

    def test_injections_are_listed_in_their_own_section(self, world: World, dispensed: dt.date, as_role) -> None:
        inject(world, world.other_patient, dispensed, world.user(Role.NURSE))
        page = as_role(Role.NURSE).get(log_url(dispensed, world))
        (line,) = page.context["log"].injections
        assert line.substance == "Naltrexone extended-release injection"
        assert line.body_site == "Left gluteal"
        assert (line.patient_name, line.mrn, line.lot) == ("Marsh, Elliot", "HR-2", "NX-1")
        assert "Injections given (1)" in page.content.decode()
        assert len(page.context["log"].lines) == 2  # the injection is not a dispensing line

    def test_it_defaults_to_today_and_the_users_site(self, world: World, dispensed: dt.date, as_role) -> None:
        page = as_role(Role.NURSE).get(reverse("meds:log"))
        assert page.status_code == 200
        assert page.context["log"].day == dispensed
        assert page.context["log"].site == world.site
        assert len(page.context["log"].lines) == 2


class TestPrintable:
    def test_the_page_carries_the_print_stylesheet_and_signature_lines(
        self, world: World, dispensed: dt.date, as_role
    ) -> None:
        html = as_role(Role.NURSE).get(log_url(dispensed, world)).content.decode()
        assert 'href="/static/waymark/waymark.css"' in html
        assert 'class="dispensing-log"' in html
        assert "Harbor Recovery" in html and world.site.name in html
        assert 'class="signature-lines print-only"' in html
        assert "Nora Quinn (NQ)" in html and "Reviewed by" in html
        path = finders.find("waymark/waymark.css")
        assert path is not None
        css = open(path, encoding="utf-8").read()  # noqa: SIM115
        section = css[css.index("/* --- Dispensing log --- */") :]
        assert "@media print" in section
        assert ".dispensing-log .no-print" in section and ".dispensing-log .print-only { display: block; }" in section
        assert "thead { display: table-header-group; }" in section


class TestCsv:
    def test_it_exports_the_same_columns_as_an_attachment(self, world: World, dispensed: dt.date, as_role) -> None:
        url = f"{reverse('meds:log_csv')}?day={dispensed.isoformat()}&site={world.site.pk}"
        assert url == f"/meds/log.csv?day={dispensed.isoformat()}&site={world.site.pk}"
        response = as_role(Role.NURSE).get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"] == (
            f'attachment; filename="dispensing-log-site{world.site.pk}-{dispensed:%Y-%m-%d}.csv"'
        )
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert tuple(rows[0]) == stock.CSV_HEADER
        body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
        assert len(body) == 2
        observed = next(r for r in body if r["Record"] == "Observed dose")
        assert observed["Substance"] == "Methadone oral solution"
        assert observed["Strength"] == "10 mg/mL"
        assert observed["Dosage form"] == "oral solution"
        assert observed["Date"] == f"{dispensed:%Y-%m-%d}"
        assert (observed["Patient"], observed["MRN"]) == ("Whitlock, Dana", "HR-1")
        assert (observed["Amount consumed (mg)"], observed["Amount consumed (mL)"]) == ("80", "8")
        assert observed["Dispenser's initials"] == "NQ"
        home = next(r for r in body if r["Record"] == "Take-home")
        assert (home["Amount taken home (mg)"], home["Amount taken home (mL)"]) == ("160", "16")
        assert home["Amount and form taken home"] == "2 bottles × 80 mg (8 mL) oral solution"
        assert home["Lot"] == "LOT-7" and home["Amount consumed (mg)"] == ""

    def test_a_name_starting_like_a_formula_is_not_a_formula(self, world: World, as_role) -> None:
        patient = make_patient(world.program, "=HYPERLINK(1)", "=cmd", "Shaw", site=world.site)
        lay_down(world, [patient], today(patient), world.user(Role.NURSE))
        response = as_role(Role.NURSE).get(f"{reverse('meds:log_csv')}?day={today(patient).isoformat()}")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[1][rows[0].index("MRN")] == "'=HYPERLINK(1)"

    def test_a_future_day_is_refused(self, world: World, as_role) -> None:
        tomorrow = today(world.patient) + dt.timedelta(days=1)
        response = as_role(Role.NURSE).get(f"{reverse('meds:log_csv')}?day={tomorrow.isoformat()}")
        assert response.status_code == 400
        assert "is in the future" in response.content.decode()


class TestAudit:
    def test_viewing_and_exporting_each_write_one_row_for_the_day(
        self, world: World, dispensed: dt.date, as_role
    ) -> None:
        client = as_role(Role.NURSE)
        before = AuditEvent.objects.count()
        client.get(log_url(dispensed, world))
        assert AuditEvent.objects.count() == before + 1
        row = AuditEvent.objects.latest("seq")
        assert (row.object_type, row.action, row.object_id) == ("dispensing_log", "read", dispensed.isoformat())
        assert row.patient_id is None and row.program_id == world.program.pk
        assert "2 lines" in row.reason
        client.get(f"{reverse('meds:log_csv')}?day={dispensed.isoformat()}")
        assert AuditEvent.objects.count() == before + 2
        assert AuditEvent.objects.latest("seq").action == "export_csv"


class TestWhoMaySee:
    @pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.PRESCRIBER, Role.PRIVACY_OFFICER, Role.PATIENT])
    def test_it_refuses_anyone_but_nurses_and_program_admins(self, role: Role, world: World, as_role) -> None:
        client = as_role(role)
        assert client.get(reverse("meds:log")).status_code == 403
        assert client.get(reverse("meds:log_csv")).status_code == 403
        assert not AuditEvent.objects.filter(object_type="dispensing_log").exists()

    def test_the_program_admin_sees_it_but_has_nothing_to_sign(self, world: World, dispensed: dt.date, as_role) -> None:
        client = as_role(Role.PROGRAM_ADMIN)
        page = client.get(log_url(dispensed, world))
        assert page.status_code == 200 and len(page.context["log"].lines) == 2
        assert "Sign my" not in page.content.decode()
        data = {"day": dispensed.isoformat(), "site": world.site.pk}
        assert client.post(reverse("meds:log_sign_off"), data).status_code == 403

    def test_another_programs_site_is_not_found(self, world: World, as_role) -> None:
        client = sign_in(Client(), world.outsider_staff[Role.NURSE])
        assert client.get(f"{reverse('meds:log')}?site={world.site.pk}").status_code == 404

    def test_a_future_or_malformed_day_is_a_clear_error(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        tomorrow = today(world.patient) + dt.timedelta(days=1)
        page = client.get(log_url(tomorrow, world))
        assert page.status_code == 400
        assert f"{tomorrow:%Y-%m-%d} is in the future" in page.content.decode()
        assert page.context["log"] is None
        bad = client.get(f"{reverse('meds:log')}?day=2026-02-30")
        assert bad.status_code == 400
        assert "Enter a date as YYYY-MM-DD." in bad.content.decode()
        assert not AuditEvent.objects.filter(object_type="dispensing_log").exists()


class TestSignOff:
    def test_a_nurse_signs_her_lines_once(self, world: World, dispensed: dt.date, as_role) -> None:
        client = as_role(Role.NURSE)
        data = {"day": dispensed.isoformat(), "site": world.site.pk}
        response = client.post(reverse("meds:log_sign_off"), data, follow=True)
        assert response.status_code == 200
        assert f"Signed the log for {dispensed:%Y-%m-%d}: 2 lines, 240 mg." in response.content.decode()
        record = DispensingSignOff.objects.get()
        assert (record.nurse, record.site, record.clinic_day) == (world.user(Role.NURSE), world.site, dispensed)
        assert (record.entries, record.total_mg) == (2, Decimal(240))
        assert AuditEvent.objects.filter(action="sign_off", object_type="dispensing_sign_off").count() == 1
        page = response.context
        assert page["log"].unsigned == [] and all(line.signed for line in page["log"].lines)
        assert "You have signed this day's log." in response.content.decode()

        again = client.post(reverse("meds:log_sign_off"), data, follow=True)
        assert again.status_code == 200
        assert "You already signed the log for" in again.content.decode()
        assert DispensingSignOff.objects.count() == 1

    def test_the_log_flags_lines_of_a_nurse_who_has_not_signed(self, world: World, dispensed: dt.date, as_role) -> None:
        second = make_user(world.program, Role.NURSE, "sam")
        second.last_name = "Okafor"
        second.save(update_fields=["last_name"])
        lay_down(world, [world.other_patient], dispensed, second)
        stock.sign_off(world.user(Role.NURSE), world.site, dispensed)
        page = as_role(Role.PROGRAM_ADMIN).get(log_url(dispensed, world))
        log = page.context["log"]
        assert [(u.nurse_name, u.lines) for u in log.unsigned] == [("Sam Okafor", 1)]
        flagged = [line.patient_name for line in log.lines if not line.signed]
        assert flagged == ["Marsh, Elliot"]
        html = page.content.decode()
        assert "Not signed yet:" in html and "Sam Okafor (SO) — 1 line" in html
        assert html.count('<span class="badge flag">not signed</span>') == 1
        assert "Nora Quinn" in html  # who signed, with the time
        assert log.sign_offs[0].nurse_name == "Nora Quinn"

    def test_a_line_recorded_after_signing_is_flagged(self, world: World, dispensed: dt.date) -> None:
        nurse = world.user(Role.NURSE)
        stock.sign_off(nurse, world.site, dispensed)
        lay_down(world, [world.other_patient], dispensed, nurse)
        log = stock.build_log(world.site, dispensed)
        assert [u.lines for u in log.unsigned] == [3]
        assert [line.signed for line in log.lines].count(False) == 1
        assert log.sign_offs[0].entries == 2 and log.sign_offs[0].lines_now == 3

    def test_a_future_day_cannot_be_signed(self, world: World, dispensed: dt.date, as_role) -> None:
        tomorrow = dispensed + dt.timedelta(days=1)
        response = as_role(Role.NURSE).post(
            reverse("meds:log_sign_off"), {"day": tomorrow.isoformat(), "site": world.site.pk}, follow=True
        )
        assert f"{tomorrow:%Y-%m-%d} is in the future" in response.content.decode()
        assert not DispensingSignOff.objects.exists()

    def test_a_nurse_with_nothing_dispensed_has_nothing_to_sign(
        self, world: World, dispensed: dt.date, as_role
    ) -> None:
        other = make_user(world.program, Role.NURSE, "idle")
        response = sign_in(Client(), other).post(
            reverse("meds:log_sign_off"), {"day": dispensed.isoformat(), "site": world.site.pk}, follow=True
        )
        assert "there is nothing to sign" in response.content.decode()
        assert not DispensingSignOff.objects.exists()


def lay_down(world: World, patients: list[Patient], day: dt.date, nurse: User, *, take_home_every: int = 0) -> None:
    """Setup only: an order and an observed dose (or, every `take_home_every`-th, a take-home) per patient."""
    for n, patient in enumerate(patients):
        order = MedicationOrder.objects.create(
            patient=patient,
            medication="methadone",
            dose_mg=Decimal(60),
            slot_doses_mg=["60"],
            concentration_mg_per_ml=Decimal(10),
            start_on=day - dt.timedelta(days=30),
            prescriber=world.user(Role.PRESCRIBER),
        )
        if take_home_every and n % take_home_every == 0:
            TakeHomeDispense.objects.create(
                patient=patient,
                order=order,
                site=world.site,
                dispensed_on=day,
                first_day=day + dt.timedelta(days=1),
                last_day=day + dt.timedelta(days=3),
                bottles=3,
                dose_mg_per_bottle=Decimal(60),
                concentration_mg_per_ml=Decimal(10),
                lot_number=f"L{n}",
                idempotency_key=f"setup-{uuid.uuid4()}",
                dispensed_by=nurse,
            )
        else:
            DoseAdministration.objects.create(
                patient=patient,
                order=order,
                site=world.site,
                clinic_day=day,
                outcome="observed",
                amount_mg=Decimal(60),
                concentration_mg_per_ml=Decimal(10),
                volume_ml=Decimal(6),
                idempotency_key=f"setup-{uuid.uuid4()}",
                recorded_by=nurse,
            )


def inject(world: World, patient: Patient, day: dt.date, nurse: User) -> Injection:
    order = MedicationOrder.objects.create(
        patient=patient,
        medication="naltrexone_xr",
        dose_mg=Decimal(380),
        slot_doses_mg=["380"],
        frequency="every_28_days",
        start_on=day,
        prescriber=world.user(Role.PRESCRIBER),
    )
    return Injection.objects.create(
        patient=patient,
        order=order,
        medication="naltrexone_xr",
        site=nurse.site or patient.site,
        clinic_day=day,
        dose_mg=Decimal(380),
        body_site="left_gluteal",
        lot_number="NX-1",
        idempotency_key=f"setup-{uuid.uuid4()}",
        given_by=nurse,
    )


class TestQueryCount:
    def _queries(self, world: World, client: Client, lines: int, prefix: str) -> int:
        day = today(world.patient)
        nurses = [make_user(world.program, Role.NURSE, f"{prefix}n{i}") for i in range(3)]
        patients = [make_patient(world.program, f"{prefix}-{i}", "Pat", f"Q{i}", site=world.site) for i in range(lines)]
        for i, nurse in enumerate(nurses):
            lay_down(world, patients[i::3], day, nurse, take_home_every=2)
        for i, patient in enumerate(patients[: lines // 3]):
            inject(world, patient, day, nurses[i % 3])
        stock.sign_off(nurses[0], world.site, day)
        client.get(log_url(day, world))  # the session's first request of a while also refreshes last_seen
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(log_url(day, world))
        assert page.status_code == 200
        assert len(page.context["log"].lines) == lines
        return len(ctx.captured_queries)

    def test_the_log_takes_the_same_queries_for_3_or_30_lines(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        small = self._queries(world, client, 3, "a")
        DoseAdministration.objects.all().delete()
        TakeHomeDispense.objects.all().delete()
        Injection.objects.all().delete()
        DispensingSignOff.objects.all().delete()
        large = self._queries(world, client, 30, "b")
        assert large == small
        assert small <= 20
