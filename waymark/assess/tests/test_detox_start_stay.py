"""Starting withdrawal management from the person's page: it needs an open
episode, one stay at a time, a protocol, a start and last use that are not in
the future, an expected length of 1–14 days (program default 7) and a check
interval (program default 4 hours). Audited; the same key twice starts once."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from waymark.assess import services_detox
from waymark.assess.models import DetoxStay
from waymark.assess.tests.detox_helpers import ago, local, minute, patient_url, start, start_form, start_url, stay_input
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


def start_as(world: World, **changes: object) -> services_detox.Started:
    return services_detox.start_stay(world.user(Role.NURSE), world.patient, stay_input(**changes))


def errors_of(world: World, **changes: object) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        start_as(world, **changes)
    assert DetoxStay.objects.count() == 0
    return caught.value.message_dict if hasattr(caught.value, "error_dict") else {"__all__": caught.value.messages}


class TestStartStay:
    def test_it_starts_in_the_open_episode_with_the_program_defaults(self, world: World) -> None:
        started = start_as(world, expected_days=None, check_every_hours=None)
        stay = started.stay
        assert started.created and stay.status == DetoxStay.Status.ACTIVE
        assert stay.episode == world.patient.episodes.get()
        assert (stay.expected_days, stay.check_every_hours) == (7, 4)
        assert stay.site == world.site and stay.started_by == world.user(Role.NURSE)

    def test_the_program_settings_give_the_defaults(self, world: World) -> None:
        world.program.rule_settings = {"assess.detox.check_every_hours": 6, "assess.detox.expected_days": 10}
        world.program.save(update_fields=["rule_settings"])
        world.patient.refresh_from_db()
        started = start_as(world, expected_days=None, check_every_hours=None)
        assert (started.stay.expected_days, started.stay.check_every_hours) == (10, 6)
        assert started.messages == ["10 days is longer than the typical 5–7 (up to 10–14 for some people)."]

    def test_a_broken_program_setting_is_named(self, world: World) -> None:
        world.program.rule_settings = {"assess.detox.check_every_hours": 0}
        world.program.save(update_fields=["rule_settings"])
        world.patient.refresh_from_db()
        errors = errors_of(world, check_every_hours=None)
        assert "assess.detox.check_every_hours must be a whole number from 1 to 24" in errors["__all__"][0]

    def test_it_needs_an_open_episode(self, world: World) -> None:
        with pytest.raises(ValidationError, match="Elliot Marsh has no open episode of care"):
            services_detox.start_stay(world.user(Role.NURSE), world.other_patient, stay_input())

    def test_one_active_stay_per_person(self, world: World) -> None:
        first = start(world)
        with pytest.raises(ValidationError) as caught:
            start_as(world)
        assert "Dana Whitlock is already in withdrawal management" in caught.value.messages[0]
        assert "Discharge that stay before starting another." in caught.value.messages[0]
        assert list(DetoxStay.objects.all()) == [first]

    def test_the_same_key_starts_once(self, world: World) -> None:
        data = stay_input()
        first = services_detox.start_stay(world.user(Role.NURSE), world.patient, data)
        again = services_detox.start_stay(world.user(Role.NURSE), world.patient, data)
        assert first.created and not again.created and again.stay == first.stay
        assert DetoxStay.objects.count() == 1
        assert AuditEvent.objects.filter(action="detox_start").count() == 1

    def test_it_is_audited(self, world: World) -> None:
        stay = start(world)
        event = AuditEvent.objects.get(action="detox_start")
        assert (event.patient_id, event.object_type, event.object_id) == (world.patient.pk, "detoxstay", str(stay.pk))
        assert event.actor == world.user(Role.NURSE)

    @pytest.mark.parametrize(
        ("changes", "field", "words"),
        [
            ({"last_use_at": minute(ago(hours=-2))}, "last_use_at", "Last use is in the future"),
            ({"started_at": minute(ago(hours=-2))}, "started_at", "The start time is in the future"),
            (
                {"last_use_at": minute(ago(hours=1)), "started_at": minute(ago(hours=3))},
                "last_use_at",
                "before the stay",
            ),
            ({"expected_days": 15}, "expected_days", "Expected length is 1–14 days (typically 5–7, up to 10–14)"),
            ({"expected_days": 0}, "expected_days", "0 given"),
            ({"check_every_hours": 25}, "check_every_hours", "Checks are every 1–24 hours; 25 given."),
            ({"protocol": "cold_turkey"}, "protocol", "Choose the protocol"),
            ({"protocol": "not_recorded"}, "protocol", "Choose the protocol"),  # for imported stays only
            ({"started_at": minute(ago(days=400))}, "started_at", "before the episode's admission on 2026-01-05"),
        ],
    )
    def test_bad_input_is_named_and_nothing_saved(self, world: World, changes: dict, field: str, words: str) -> None:
        errors = errors_of(world, **changes)
        assert words in errors[field][0]


class TestStartPage:
    def test_a_nurse_starts_a_stay_from_the_persons_page(self, world: World) -> None:
        client = sign_in(Client(), world.user(Role.NURSE))
        page = client.get(patient_url(world.patient)).content.decode()
        assert "Start withdrawal management" in page and 'value="buprenorphine"' in page
        response = client.post(start_url(world.patient), start_form(world.patient))
        stay = DetoxStay.objects.get()
        assert (
            response.status_code == 302
            and response["Location"] == f"/assess/patients/{world.patient.pk}/detox/{stay.pk}/"
        )
        page = client.get(response["Location"]).content.decode()
        assert "The baseline COWS is due now." in page and "Day 1 of 7" in page

    def test_a_second_stay_is_refused_with_a_clear_message(self, world: World) -> None:
        start(world)
        client = sign_in(Client(), world.user(Role.NURSE))
        page = client.get(patient_url(world.patient)).content.decode()
        assert "is in withdrawal management now" in page and 'action="/assess/patients' not in page
        response = client.post(start_url(world.patient), start_form(world.patient))
        assert response.status_code == 422
        assert "Dana Whitlock is already in withdrawal management" in response.content.decode()
        assert DetoxStay.objects.count() == 1

    def test_no_open_episode_says_so(self, world: World) -> None:
        client = sign_in(Client(), world.user(Role.NURSE))
        page = client.get(patient_url(world.other_patient)).content.decode()
        assert "has no open episode of care" in page
        response = client.post(start_url(world.other_patient), start_form(world.other_patient))
        assert response.status_code == 422 and DetoxStay.objects.count() == 0

    def test_a_future_last_use_is_shown_next_to_the_field(self, world: World) -> None:
        client = sign_in(Client(), world.user(Role.NURSE))
        form = start_form(world.patient, last_use_at=local(world.patient, ago(hours=-3)))
        response = client.post(start_url(world.patient), form)
        assert response.status_code == 422
        assert (
            '<ul class="errorlist" id="id_last_use_at_error"><li>Last use is in the future' in response.content.decode()
        )
        assert DetoxStay.objects.count() == 0

    def test_a_double_click_starts_once(self, world: World) -> None:
        client = sign_in(Client(), world.user(Role.NURSE))
        form = start_form(world.patient)
        assert client.post(start_url(world.patient), form).status_code == 302
        again = client.post(start_url(world.patient), form, follow=True)
        assert "This stay was already started; nothing was saved twice." in again.content.decode()
        assert DetoxStay.objects.count() == 1
