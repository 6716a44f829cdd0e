"""Take-home bottles: the limit, the six considerations, closure days, returns."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.chart.models import Episode
from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.meds import services
from waymark.meds.models import ClinicClosure, DoseAdministration, RuleOverride, TakeHomeDispense
from waymark.meds.tests.conftest import dose_input, order_methadone, past_doses, today

pytestmark = pytest.mark.django_db

CONSIDERATIONS = (
    "no_active_use_or_risk",
    "regular_attendance",
    "no_serious_behaviour",
    "no_recent_diversion",
    "safe_storage",
)


def eligible(world: World, on: dt.date) -> None:
    services.record_eligibility(
        world.user(Role.PRESCRIBER),
        world.patient,
        assessed_on=on,
        eligible=True,
        **dict.fromkeys(CONSIDERATIONS, True),
        **{f"{c}_note": "Discussed and documented." for c in CONSIDERATIONS},
        other_considerations="Works early shifts; lockbox at home.",
    )


@pytest.fixture
def day(world: World) -> dt.date:
    order = order_methadone(world, world.patient)
    d = today(world.patient)
    past_doses(order, [d - dt.timedelta(days=n) for n in range(0, 3)], world.user(Role.NURSE))
    # Day 20 of treatment: the federal limit is 14 days.
    Episode.objects.filter(patient=world.patient).update(admitted_on=d - dt.timedelta(days=20))
    world.program.rule_settings = {"meds.take_home.closure_days": []}
    world.program.save()
    return d


def _dispense(
    world: World, first: dt.date, last: dt.date, key: str = "th-key-0001", reason: str = ""
) -> tuple[TakeHomeDispense, bool]:
    return services.dispense_take_home(
        world.user(Role.NURSE),
        world.patient,
        idempotency_key=key,
        first_day=first,
        last_day=last,
        lot_number="LOT-7",
        override_reason=reason,
    )


def test_within_the_limit_with_eligibility(world: World, day: dt.date) -> None:
    eligible(world, day)
    record, created = _dispense(world, day + dt.timedelta(days=1), day + dt.timedelta(days=14))
    assert created and record.bottles == 14 and record.total_mg == 14 * 80
    assert AuditEvent.objects.filter(action="take_home", patient_id=world.patient.pk).count() == 1
    again, created_again = _dispense(world, day + dt.timedelta(days=1), day + dt.timedelta(days=14))
    assert not created_again and again.pk == record.pk


def test_one_day_past_the_limit_needs_a_prescriber(world: World, day: dt.date) -> None:
    eligible(world, day)
    with pytest.raises(services.OverrideRequired) as caught:
        _dispense(world, day + dt.timedelta(days=1), day + dt.timedelta(days=15))
    assert "15 take-home days is more than the 14-day limit" in caught.value.findings[0].message
    # A nurse's reason is not an override: only a prescriber may give one.
    with pytest.raises(services.OverrideRequired):
        _dispense(world, day + dt.timedelta(days=1), day + dt.timedelta(days=15), reason="Travelling")
    assert not TakeHomeDispense.objects.exists()


def test_no_eligibility_record_needs_override(world: World, day: dt.date) -> None:
    with pytest.raises(services.OverrideRequired) as caught:
        _dispense(world, day + dt.timedelta(days=1), day + dt.timedelta(days=2))
    assert caught.value.findings[0].rule_id == "meds.take_home.eligibility"


def test_closure_days_do_not_count_against_the_limit(world: World, day: dt.date) -> None:
    # Day 3 of treatment: limit 7. Eight days of which one is a holiday closure.
    Episode.objects.filter(patient=world.patient).update(admitted_on=day - dt.timedelta(days=3))
    eligible(world, day)
    ClinicClosure.objects.create(program=world.program, day=day + dt.timedelta(days=4), reason="Holiday")
    record, _ = _dispense(world, day + dt.timedelta(days=1), day + dt.timedelta(days=8))
    assert record.closure_days == 1 and record.bottles == 8


def test_prescriber_override_for_the_day_lets_the_nurse_go_past_the_limit(world: World, day: dt.date) -> None:
    eligible(world, day)
    with pytest.raises(PermissionDenied):
        services.override_for_day(
            world.user(Role.NURSE), world.patient, rule_id="meds.take_home.limit", day=day, reason="Travel"
        )
    with pytest.raises(ValidationError, match="written reason"):
        services.override_for_day(
            world.user(Role.PRESCRIBER), world.patient, rule_id="meds.take_home.limit", day=day, reason=" "
        )
    services.override_for_day(
        world.user(Role.PRESCRIBER),
        world.patient,
        rule_id="meds.take_home.limit",
        day=day,
        reason="Family funeral out of state; stable 2 years elsewhere.",
    )
    record, _ = _dispense(world, day + dt.timedelta(days=1), day + dt.timedelta(days=15))
    assert record.bottles == 15
    assert record.overridden[0]["rule_id"] == "meds.take_home.limit"
    override = RuleOverride.objects.get(rule_id="meds.take_home.limit")
    assert override.prescriber == world.user(Role.PRESCRIBER) and override.clinic_day == day
    assert AuditEvent.objects.filter(action="override", object_type="meds.take_home.limit").exists()
    # The override is for that day only.
    with pytest.raises(services.OverrideRequired):
        services.dispense_take_home(
            world.user(Role.NURSE),
            world.patient,
            idempotency_key="th-next-day-1",
            first_day=day + dt.timedelta(days=17),
            last_day=day + dt.timedelta(days=46),  # 30 days > 28
            lot_number="LOT-7",
            day=day + dt.timedelta(days=16),
        )


def test_bad_input_saves_nothing(world: World, day: dt.date) -> None:
    eligible(world, day)
    for first, last, lot, text in [
        (day, day + dt.timedelta(days=1), "L", "start after today"),
        (day + dt.timedelta(days=3), day + dt.timedelta(days=2), "L", "before the first day"),
        (day + dt.timedelta(days=1), day + dt.timedelta(days=2), " ", "lot number"),
    ]:
        with pytest.raises(ValidationError, match=text):
            services.dispense_take_home(
                world.user(Role.NURSE),
                world.patient,
                idempotency_key=f"k-{text[:6]}-x",
                first_day=first,
                last_day=last,
                lot_number=lot,
            )
    _dispense(world, day + dt.timedelta(days=1), day + dt.timedelta(days=3))
    with pytest.raises(ValidationError, match="overlap"):
        _dispense(world, day + dt.timedelta(days=3), day + dt.timedelta(days=4), key="th-key-9999")
    assert TakeHomeDispense.objects.count() == 1


def test_return_check_of_empty_bottles(world: World, day: dt.date) -> None:
    eligible(world, day)
    record, _ = _dispense(world, day + dt.timedelta(days=1), day + dt.timedelta(days=3))
    with pytest.raises(ValidationError, match="did not come back"):
        services.check_take_home_return(world.user(Role.NURSE), world.patient, record, bottles_returned=2)
    with pytest.raises(ValidationError, match="Between 0 and 3"):
        services.check_take_home_return(world.user(Role.NURSE), world.patient, record, bottles_returned=4)
    checked = services.check_take_home_return(
        world.user(Role.NURSE), world.patient, record, bottles_returned=2, note="One bottle broke; shown the cap."
    )
    assert checked.bottles_returned == 2 and checked.return_checked_by == world.user(Role.NURSE)


def test_no_take_homes_while_on_hold(world: World, day: dt.date) -> None:
    eligible(world, day)
    services.place_hold(world.user(Role.PRESCRIBER), world.patient, reason="prescriber", note="QTc 520 ms")
    with pytest.raises(services.OnHold):
        _dispense(world, day + dt.timedelta(days=1), day + dt.timedelta(days=3))
    assert not TakeHomeDispense.objects.exists()


def test_no_observed_dose_on_a_day_a_bottle_went_home_for(world: World, day: dt.date) -> None:
    eligible(world, day)
    _dispense(world, day + dt.timedelta(days=1), day + dt.timedelta(days=3))
    tomorrow = day + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="Do not give a second dose"):
        services.record_administration(world.user(Role.NURSE), world.patient, dose_input(), day=tomorrow)
    assert not DoseAdministration.objects.filter(clinic_day=tomorrow).exists()
