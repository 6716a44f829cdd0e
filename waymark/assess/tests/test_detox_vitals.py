"""Vitals at a check: readings outside their plausible ranges are refused with
a message naming the field, and nothing is saved (no check, no COWS record).
Temperature is typed in °F (as US clinics read it) or °C and stored in °C."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from waymark.assess import detox, services_detox
from waymark.assess.models import InstrumentRecord, WithdrawalCheck
from waymark.assess.tests.detox_helpers import ago, check, check_form, check_input, check_url, start, vitals
from waymark.conftest import World, sign_in
from waymark.core.roles import Role


def checked(**changes: object) -> detox.Vitals:
    return detox.check_vitals(**vitals(**changes))


# field, bad value, words the message must contain
OUT_OF_RANGE = [
    ("pulse_bpm", 19, "Pulse 19 bpm is outside the plausible range 20–250 bpm"),
    ("pulse_bpm", 251, "Pulse 251 bpm"),
    ("systolic_mmhg", 49, "Systolic blood pressure 49 mmHg is outside the plausible range 50–260 mmHg"),
    ("systolic_mmhg", 261, "Systolic blood pressure 261 mmHg"),
    ("diastolic_mmhg", 19, "Diastolic blood pressure 19 mmHg is outside the plausible range 20–160 mmHg"),
    ("diastolic_mmhg", 161, "Diastolic blood pressure 161 mmHg"),
    ("respiratory_rate", 3, "Respiratory rate 3 breaths/min is outside the plausible range 4–60"),
    ("respiratory_rate", 61, "Respiratory rate 61 breaths/min"),
    ("spo2_percent", 49, "Oxygen saturation (SpO2) 49 % is outside the plausible range 50–100 %"),
    ("spo2_percent", 101, "Oxygen saturation (SpO2) 101 %"),
    ("temperature", "150", "Temperature 150 °F is outside the plausible range 86.0–113.0 °F"),
]


class TestRanges:
    @pytest.mark.parametrize(("field", "value", "words"), OUT_OF_RANGE)
    def test_a_reading_out_of_range_is_refused_naming_the_field(self, field: str, value: object, words: str) -> None:
        with pytest.raises(detox.VitalsError) as caught:
            checked(**{field: value})
        assert list(caught.value.errors) == [field]
        assert words in caught.value.errors[field]

    @pytest.mark.parametrize(
        ("field", "value"),
        [("pulse_bpm", 20), ("pulse_bpm", 250), ("systolic_mmhg", 260), ("respiratory_rate", 4), ("spo2_percent", 100)],
    )
    def test_the_ends_of_each_range_are_accepted(self, field: str, value: int) -> None:
        changes: dict[str, object] = {field: value}
        if field == "systolic_mmhg":
            changes["diastolic_mmhg"] = 100
        assert getattr(checked(**changes), field) == value

    def test_diastolic_must_be_below_systolic(self) -> None:
        with pytest.raises(detox.VitalsError) as caught:
            checked(systolic_mmhg=90, diastolic_mmhg=90)
        assert caught.value.errors == {
            "diastolic_mmhg": "Diastolic blood pressure 90 mmHg must be below the systolic 90 mmHg: check the order."
        }

    def test_every_field_at_fault_is_named_at_once(self) -> None:
        with pytest.raises(detox.VitalsError) as caught:
            checked(pulse_bpm=400, spo2_percent=None, temperature="")
        assert set(caught.value.errors) == {"pulse_bpm", "spo2_percent", "temperature"}
        assert caught.value.errors["spo2_percent"] == "Oxygen saturation (SpO2): give a whole number in %."


class TestTemperature:
    @pytest.mark.parametrize(
        ("typed", "unit", "celsius"),
        [
            ("98.6", "F", "37.0"),
            ("100.4", "F", "38.0"),
            ("97", "F", "36.1"),
            ("104", "F", "40.0"),
            ("37.2", "C", "37.2"),
        ],
    )
    def test_stored_in_celsius(self, typed: str, unit: str, celsius: str) -> None:
        assert checked(temperature=typed, temperature_unit=unit).temperature_c == Decimal(celsius)

    def test_celsius_typed_as_fahrenheit_asks_about_the_unit(self) -> None:
        with pytest.raises(detox.VitalsError) as caught:
            checked(temperature="37.0", temperature_unit="F")
        assert caught.value.errors["temperature"] == (
            "Temperature 37.0 °F is outside the plausible range 86.0–113.0 °F: was it measured in °C? Choose that unit."
        )

    def test_fahrenheit_typed_as_celsius_asks_about_the_unit(self) -> None:
        with pytest.raises(detox.VitalsError) as caught:
            checked(temperature="99.1", temperature_unit="C")
        assert "was it measured in °F?" in caught.value.errors["temperature"]

    def test_shown_back_in_fahrenheit(self) -> None:
        assert detox.to_fahrenheit(Decimal("37.0")) == Decimal("98.6")


@pytest.mark.django_db
class TestRecordCheck:
    def test_fahrenheit_is_stored_as_celsius(self, world: World) -> None:
        stay = start(world)
        saved = check(world, stay, 8, ago(hours=1), temperature="100.4", temperature_unit="F").check
        saved.refresh_from_db()
        assert saved.temperature_c == Decimal("38.0")

    @pytest.mark.parametrize(("field", "value", "words"), OUT_OF_RANGE)
    def test_out_of_range_saves_nothing(self, world: World, field: str, value: object, words: str) -> None:
        stay = start(world)
        data = check_input(8, ago(hours=1), **{field: value})
        with pytest.raises(ValidationError) as caught:
            services_detox.record_check(world.user(Role.NURSE), world.patient, stay, data)
        assert list(caught.value.message_dict) == [field]
        assert words in caught.value.message_dict[field][0]
        assert WithdrawalCheck.objects.count() == 0 and InstrumentRecord.objects.count() == 0

    def test_the_page_puts_the_message_next_to_the_field(self, world: World) -> None:
        stay = start(world)
        client = sign_in(Client(), world.user(Role.NURSE))
        response = client.post(check_url(stay), check_form(world.patient, 8, pulse_bpm=300, temperature="37"))
        assert response.status_code == 422
        html = response.content.decode()
        assert '<ul class="errorlist" id="id_pulse_bpm_error"><li>Pulse 300 bpm is outside' in html
        assert '<ul class="errorlist" id="id_temperature_error"><li>Temperature 37 °F is outside' in html
        assert 'value="300"' in html  # what was typed stays in the form
        assert WithdrawalCheck.objects.count() == 0 and InstrumentRecord.objects.count() == 0
        response = client.post(check_url(stay), check_form(world.patient, 8, temperature="37", temperature_unit="C"))
        assert response.status_code == 302
        assert WithdrawalCheck.objects.get().temperature_c == Decimal("37.0")
        assert "98.6 °F" in client.get(response["Location"]).content.decode()
