"""/meds/stock/: lots received, waste and adjustments, physical counts, and the
reconciliation start + received − dispensed − wasted ± adjusted = expected vs counted."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent, Site
from waymark.core.roles import Role
from waymark.meds import services, stock
from waymark.meds.models import MedicationOrder, StockCount, StockLot, StockMovement
from waymark.meds.tests.conftest import dose_input, order_methadone, past_doses, today
from waymark.meds.tests.test_dispensing_log import take_home

pytestmark = pytest.mark.django_db


def lot_data(world: World, **changes: str) -> dict[str, str]:
    day = today(world.patient)
    data = {
        "site": str(world.site.pk),
        "medication": "methadone",
        "concentration_mg_per_ml": "10",
        "lot_number": "MX-2201",
        "expires_on": (day + dt.timedelta(days=365)).isoformat(),
        "received_on": day.isoformat(),
        "received_mg": "10000",
        **changes,
    }
    return data


def receive(world: World, client: Client, **changes: str):
    return client.post(reverse("meds:stock_receive"), lot_data(world, **changes))


def reconciliation_url(world: World, start: dt.date, end: dt.date, medication: str = "methadone") -> str:
    return (
        f"{reverse('meds:stock_reconciliation')}?site={world.site.pk}&medication={medication}"
        f"&start={start.isoformat()}&end={end.isoformat()}"
    )


class TestReconciliation:
    def test_the_arithmetic_with_real_rows(self, world: World, on_methadone: MedicationOrder, as_role) -> None:
        nurse = world.user(Role.NURSE)
        client = as_role(Role.NURSE)
        day = today(world.patient)
        assert receive(world, client).status_code == 302
        lot = StockLot.objects.get()
        # Two observed 80 mg doses through the window's service: world.patient and another established patient.
        other_order = order_methadone(world, world.other_patient)
        past_doses(other_order, [day - dt.timedelta(days=n) for n in range(1, 4)], nurse)
        services.record_administration(nurse, world.patient, dose_input("80"))
        services.record_administration(nurse, world.other_patient, dose_input("80"))
        take_home(world, nurse, world.patient, days=2)  # 2 bottles × 80 mg
        assert services.mg_dispensed(world.site, "methadone", day, day) == Decimal(320)
        movement = client.post(
            reverse("meds:stock_movement"),
            {"lot": lot.pk, "kind": "wasted", "clinic_day": day.isoformat(), "amount_mg": "5", "reason": "Spilled"},
        )
        assert movement.status_code == 302
        client.post(
            reverse("meds:stock_movement"),
            {
                "lot": lot.pk,
                "kind": "adjusted",
                "clinic_day": day.isoformat(),
                "amount_mg": "-3",
                "reason": "Measure check",
            },
        )
        client.post(
            reverse("meds:stock_count"),
            {"site": world.site.pk, "medication": "methadone", "clinic_day": day.isoformat(), "counted_mg": "9670"},
        )

        report = stock.reconcile(nurse, world.site, "methadone", day, day)
        assert report.opening is None and report.opening_mg == 0
        assert (report.received_mg, report.dispensed_mg) == (Decimal(10000), Decimal(320))
        assert (report.wasted_mg, report.adjusted_mg) == (Decimal(5), Decimal(-3))
        assert report.expected_mg == Decimal(9672)  # 0 + 10,000 − 320 − 5 − 3
        assert report.counted_mg == Decimal(9670)
        assert report.difference_mg == Decimal(-2)

        page = client.get(reconciliation_url(world, day, day))
        assert page.status_code == 200
        html = page.content.decode()
        assert "<strong>9,672</strong>" in html
        assert 'class="difference nonzero"' in html and "<strong>-2</strong>" in html
        assert "stock is missing" in html

    def test_a_count_before_the_start_opens_the_balance(self, world: World, on_methadone: MedicationOrder) -> None:
        """The fixture dosed world.patient 80 mg on each of the last 7 days at world.site."""
        nurse = world.user(Role.NURSE)
        day = today(world.patient)
        stock.receive_lot(
            nurse,
            world.site,
            medication="methadone",
            concentration_mg_per_ml=Decimal(10),
            lot_number="OLD-1",
            expires_on=day + dt.timedelta(days=300),
            received_on=day - dt.timedelta(days=10),
            received_mg="5000",
        )
        stock.record_count(
            nurse, world.site, medication="methadone", clinic_day=day - dt.timedelta(days=3), counted_mg="4000"
        )
        stock.record_count(nurse, world.site, medication="methadone", clinic_day=day, counted_mg="3760")
        # From the day before yesterday: the count three days ago opens; activity from two days ago.
        report = stock.reconcile(nurse, world.site, "methadone", day - dt.timedelta(days=2), day)
        assert report.opening is not None and report.opening_mg == 4000
        assert report.activity_from == day - dt.timedelta(days=2)
        assert report.received_mg == 0  # received before the opening count
        assert report.dispensed_mg == 160  # two days × 80 mg (nothing yet today)
        assert report.expected_mg == 3840
        assert report.difference_mg == -80

    def test_a_matching_count_reconciles_without_a_flag(self, world: World, as_role) -> None:
        client = as_role(Role.PROGRAM_ADMIN)
        day = today(world.patient)
        receive(world, client)
        client.post(
            reverse("meds:stock_count"),
            {"site": world.site.pk, "medication": "methadone", "clinic_day": day.isoformat(), "counted_mg": "10000"},
        )
        page = client.get(reconciliation_url(world, day, day))
        assert page.context["report"].difference_mg == 0
        html = page.content.decode()
        assert "nonzero" not in html and "Reconciles." in html

    def test_without_a_closing_count_it_says_so(self, world: World, as_role) -> None:
        day = today(world.patient)
        page = as_role(Role.NURSE).get(reconciliation_url(world, day, day))
        assert page.context["report"].difference_mg is None
        assert f"no count on {day:%Y-%m-%d}: record one to compare" in page.content.decode()

    def test_a_backwards_or_future_range_is_refused(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        day = today(world.patient)
        backwards = client.get(reconciliation_url(world, day, day - dt.timedelta(days=1)))
        assert backwards.status_code == 400
        assert "The end date is before the start date." in backwards.content.decode()
        future = client.get(reconciliation_url(world, day, day + dt.timedelta(days=1)))
        assert future.status_code == 400 and "is in the future" in future.content.decode()
        unknown = client.get(reconciliation_url(world, day, day, medication="heroin"))
        assert unknown.status_code == 400 and "heroin is not a medication in the catalogue" in unknown.content.decode()


class TestReceive:
    def test_it_records_the_lot_and_audits_it_without_a_patient(self, world: World, as_role) -> None:
        response = receive(world, as_role(Role.NURSE))
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('meds:stock')}?site={world.site.pk}"
        lot = StockLot.objects.get()
        assert (lot.medication, lot.lot_number, lot.received_mg) == ("methadone", "MX-2201", Decimal(10000))
        assert lot.concentration_mg_per_ml == Decimal(10) and lot.received_by == world.user(Role.NURSE)
        row = AuditEvent.objects.get(object_type="stock_lot")
        assert (row.action, row.object_id, row.patient_id, row.program_id) == (
            "receive",
            str(lot.pk),
            None,
            world.program.pk,
        )
        page = as_role(Role.NURSE).get(reverse("meds:stock"))
        assert "MX-2201" in page.content.decode() and "10,000" in page.content.decode()

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"received_mg": "0"}, "received_mg", "0 mg: the amount must be more than 0 mg."),
            ({"received_mg": "-50"}, "received_mg", "-50 mg: the amount must be more than 0 mg."),
            ({"received_mg": "lots"}, "received_mg", "Enter a number of mg"),
            ({"medication": "heroin"}, "medication", "heroin is not a medication in the catalogue"),
            ({"concentration_mg_per_ml": ""}, "concentration_mg_per_ml", "is a liquid: enter its mg/mL"),
            ({"lot_number": "  "}, "lot_number", "Enter the lot number printed on the stock."),
            ({"expires_on": "2020-01-01"}, "expires_on", "before it was received"),
            ({"received_on": "2099-01-01", "expires_on": "2099-06-01"}, "received_on", "is in the future"),
            ({"received_on": "not a date"}, "received_on", "Enter a date as YYYY-MM-DD."),
        ],
    )
    def test_bad_input_is_refused_with_a_message_and_nothing_saved(
        self, changes: dict[str, str], field: str, message: str, world: World, as_role
    ) -> None:
        response = receive(world, as_role(Role.NURSE), **changes)
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert message in " ".join(errors.get(field, [])), errors
        assert not StockLot.objects.exists()
        assert not AuditEvent.objects.filter(object_type="stock_lot").exists()

    def test_a_tablet_has_no_concentration_and_a_lot_is_received_once(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        tablet = receive(world, client, medication="buprenorphine", concentration_mg_per_ml="2")
        assert "is not a liquid" in " ".join(tablet.context["form"].errors["concentration_mg_per_ml"])
        assert receive(world, client).status_code == 302
        again = receive(world, client)
        assert again.status_code == 400
        assert "was already received here" in " ".join(again.context["form"].errors["lot_number"])
        assert StockLot.objects.count() == 1

    def test_a_site_of_another_program_cannot_be_chosen(self, world: World, as_role) -> None:
        elsewhere = Site.objects.get(program=world.outsider_program)
        response = receive(world, as_role(Role.NURSE), site=str(elsewhere.pk))
        assert response.status_code == 400
        assert "Choose one of the program's sites." in response.context["form"].errors["site"]
        with pytest.raises(PermissionDenied):
            stock.receive_lot(
                world.user(Role.NURSE),
                elsewhere,
                medication="methadone",
                concentration_mg_per_ml=Decimal(10),
                lot_number="X",
                expires_on=dt.date(2030, 1, 1),
                received_on=today(world.patient),
                received_mg="100",
            )
        assert not StockLot.objects.exists()


class TestMovementsAndCounts:
    @pytest.fixture
    def lot(self, world: World) -> StockLot:
        day = today(world.patient)
        return stock.receive_lot(
            world.user(Role.NURSE),
            world.site,
            medication="methadone",
            concentration_mg_per_ml=Decimal(10),
            lot_number="MX-1",
            expires_on=day + dt.timedelta(days=200),
            received_on=day - dt.timedelta(days=5),
            received_mg="8000",
        )

    @pytest.mark.parametrize(
        ("kind", "amount", "reason", "field", "message"),
        [
            ("wasted", "-5", "Spilled", "amount_mg", "-5 mg: the amount must be more than 0 mg."),
            ("wasted", "0", "Spilled", "amount_mg", "must be more than 0 mg"),
            ("adjusted", "0", "Recount", "amount_mg", "An adjustment of 0 mg changes nothing"),
            ("wasted", "5", "", "reason", "Say why"),
            ("stolen", "5", "?", "kind", "Select a valid choice"),
        ],
    )
    def test_bad_waste_or_adjustment_is_refused(
        self, kind: str, amount: str, reason: str, field: str, message: str, world: World, lot: StockLot, as_role
    ) -> None:
        data = {
            "lot": lot.pk,
            "kind": kind,
            "clinic_day": today(world.patient).isoformat(),
            "amount_mg": amount,
            "reason": reason,
        }
        response = as_role(Role.NURSE).post(reverse("meds:stock_movement"), data)
        assert response.status_code == 400
        assert message in " ".join(response.context["form"].errors[field])
        assert not StockMovement.objects.exists()

    def test_dates_in_the_future_or_before_receipt_are_refused(self, world: World, lot: StockLot) -> None:
        nurse = world.user(Role.NURSE)
        day = today(world.patient)
        with pytest.raises(ValidationError, match="is in the future"):
            stock.record_movement(
                nurse, lot, kind="wasted", clinic_day=day + dt.timedelta(days=1), amount_mg="1", reason="x"
            )
        with pytest.raises(ValidationError, match="was only received on"):
            stock.record_movement(
                nurse, lot, kind="wasted", clinic_day=day - dt.timedelta(days=6), amount_mg="1", reason="x"
            )
        with pytest.raises(ValidationError, match="is in the future"):
            stock.record_count(
                nurse, world.site, medication="methadone", clinic_day=day + dt.timedelta(days=1), counted_mg="1"
            )
        assert not StockMovement.objects.exists() and not StockCount.objects.exists()

    def test_an_adjustment_may_add_stock_and_is_audited(self, world: World, lot: StockLot) -> None:
        movement = stock.record_movement(
            world.user(Role.PROGRAM_ADMIN),
            lot,
            kind="adjusted",
            clinic_day=today(world.patient),
            amount_mg="12.5",
            reason="Bottle overfill found at recount",
        )
        assert movement.amount_mg == Decimal("12.5")
        row = AuditEvent.objects.get(object_type="stock_movement")
        assert row.action == "adjusted" and row.patient_id is None and row.program_id == world.program.pk

    def test_counts_may_be_zero_but_not_negative(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        data = {"site": world.site.pk, "medication": "methadone", "clinic_day": today(world.patient).isoformat()}
        negative = client.post(reverse("meds:stock_count"), {**data, "counted_mg": "-1"})
        assert negative.status_code == 400
        assert "must be 0 mg or more" in " ".join(negative.context["form"].errors["counted_mg"])
        assert client.post(reverse("meds:stock_count"), {**data, "counted_mg": "0"}).status_code == 302
        assert StockCount.objects.get().counted_mg == 0
        assert AuditEvent.objects.filter(object_type="stock_count", action="count", patient_id=None).count() == 1


class TestWhoMay:
    PAGES = ("meds:stock", "meds:stock_receive", "meds:stock_movement", "meds:stock_count")

    @pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.PRESCRIBER, Role.PRIVACY_OFFICER, Role.PATIENT])
    def test_only_nurses_and_program_admins(self, role: Role, world: World, as_role) -> None:
        client = as_role(role)
        for name in self.PAGES:
            assert client.get(reverse(name)).status_code == 403, name
        assert receive(world, client).status_code == 403
        assert not StockLot.objects.exists()

    @pytest.mark.parametrize("role", [Role.NURSE, Role.PROGRAM_ADMIN])
    def test_nurses_and_program_admins_open_every_page(self, role: Role, world: World, as_role) -> None:
        client = as_role(role)
        for name in self.PAGES:
            assert client.get(reverse(name)).status_code == 200, name

    def test_lots_of_another_program_are_not_offered(self, world: World) -> None:
        outsider = world.outsider_staff[Role.NURSE]
        elsewhere = Site.objects.get(program=world.outsider_program)
        day = today(world.patient)
        theirs = stock.receive_lot(
            outsider,
            elsewhere,
            medication="methadone",
            concentration_mg_per_ml=Decimal(10),
            lot_number="THEIRS",
            expires_on=day + dt.timedelta(days=90),
            received_on=day,
            received_mg="100",
        )
        client = sign_in(Client(), world.user(Role.NURSE))
        response = client.post(
            reverse("meds:stock_movement"),
            {"lot": theirs.pk, "kind": "wasted", "clinic_day": day.isoformat(), "amount_mg": "1", "reason": "x"},
        )
        assert response.status_code == 400 and "lot" in response.context["form"].errors
        assert client.get(f"{reverse('meds:stock')}?site={elsewhere.pk}").status_code == 404
        with pytest.raises(PermissionDenied):
            stock.record_movement(
                world.user(Role.NURSE), theirs, kind="wasted", clinic_day=day, amount_mg="1", reason="x"
            )
        assert not StockMovement.objects.exists()


def test_the_reconciliation_page_opens_with_this_month(world: World, as_role) -> None:
    page = as_role(Role.NURSE).get(reverse("meds:stock_reconciliation"))
    assert page.status_code == 200
    day = today(world.patient)
    assert page.context["form"].initial["start"] == day.replace(day=1)
    assert page.context["report"] is None
