"""/incentives/: the program admin sets up CM programmes (escalating, prize bowl,
fixed) and the reward catalogue. Bad parameters are refused next to the field;
other roles may not open the page."""

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.incentives import schedules, services
from waymark.incentives.models import CmProgramme, Reward
from waymark.incentives.tests.helpers import field_error

pytestmark = pytest.mark.django_db

URL = "/incentives/"


def programme_form(**changes: Any) -> dict[str, Any]:
    """The new-programme form as the admin fills it in: escalating vouchers for opioid-negative urine."""
    data: dict[str, Any] = {
        "form": "programme",
        "name": "Opioid-negative vouchers",
        "target": "specimen_negative",
        "target_analytes": ["opiates", "fentanyl"],
        "schedule": "escalating",
        "duration_weeks": "12",
        "annual_cap": "750",
        "invalid_counts_as_missed": "on",
        "start": "2.50",
        "increment": "1.25",
        "bonus": "10",
        "bonus_every": "3",
        "reset_recovery": "5",
        **changes,
    }
    return {k: v for k, v in data.items() if v is not None}


def refused(client: Client, field: str, **changes: Any) -> str:
    response = client.post(URL, programme_form(**changes))
    assert response.status_code == 422
    assert not CmProgramme.objects.exists()
    error = field_error(response.content.decode(), field)
    assert error, f"no error next to {field}"
    return error


class TestCreate:
    def test_an_escalating_programme_with_the_reference_defaults(self, world: World, as_role) -> None:
        response = as_role("program_admin").post(URL, programme_form())
        assert response.status_code == 302
        made = CmProgramme.objects.get()
        assert (made.program, made.target, made.schedule) == (world.program, "specimen_negative", "escalating")
        assert made.target_analytes == ["opiates", "fentanyl"]
        assert (made.duration_weeks, made.annual_cap, made.invalid_counts_as_missed) == (12, Decimal(750), True)
        assert services.params_for(made) == schedules.Escalating()
        assert AuditEvent.objects.filter(action="cm_programme_create", object_id=str(made.pk)).exists()
        page = as_role("program_admin").get(URL).content.decode()
        assert "Programme Opioid-negative vouchers created." in page
        assert f'href="/incentives/programmes/{made.pk}/report/"' in page

    def test_silvermans_variant_is_a_change_of_increment(self, world: World, as_role) -> None:
        response = as_role("program_admin").post(URL, programme_form(increment="1.50"))
        assert response.status_code == 302
        assert services.params_for(CmProgramme.objects.get()) == schedules.Escalating(increment=Decimal("1.50"))

    def test_a_prize_bowl_programme(self, world: World, as_role) -> None:
        data = programme_form(
            name="Prize bowl",
            schedule="prize_bowl",
            praise="250",
            small="209",
            large="40",
            jumbo="1",
            small_value="1",
            large_value="20",
            jumbo_value="100",
        )
        assert as_role("program_admin").post(URL, data).status_code == 302
        params = services.params_for(CmProgramme.objects.get())
        assert params == schedules.PrizeBowl(schedules.Bowl(praise=250, small=209, large=40, jumbo=1))

    def test_a_fixed_reward_for_plan_tasks(self, world: World, as_role) -> None:
        data = programme_form(
            name="Plan tasks", target="plan_tasks", target_analytes=None, schedule="fixed", amount="5", annual_cap="300"
        )
        assert as_role("program_admin").post(URL, data).status_code == 302
        made = CmProgramme.objects.get()
        assert (made.target, made.target_analytes, made.annual_cap) == ("plan_tasks", [], Decimal(300))
        assert services.params_for(made) == schedules.Fixed(Decimal(5))

    def test_a_reward_for_the_catalogue(self, world: World, as_role) -> None:
        client = as_role("program_admin")
        response = client.post(
            URL, {"form": "reward", "name": "Bus pass (10 rides)", "kind": "bus_pass", "value": "7.50"}
        )
        assert response.status_code == 302
        reward = Reward.objects.get()
        assert (reward.program, reward.name, reward.kind, reward.value) == (
            world.program,
            "Bus pass (10 rides)",
            "bus_pass",
            Decimal("7.50"),
        )
        assert "Bus pass (10 rides) — Bus pass, $7.50" in client.get(URL).content.decode()

    def test_a_reward_named_cash_is_refused(self, world: World, as_role) -> None:
        response = as_role("program_admin").post(
            URL, {"form": "reward", "name": "Cash", "kind": "other", "value": "10"}
        )
        assert response.status_code == 422
        assert "never cash" in field_error(response.content.decode(), "name")
        assert not Reward.objects.exists()


class TestRefused:
    def test_a_negative_first_voucher(self, world: World, as_role) -> None:
        refused(as_role("program_admin"), "start", start="-2.50")

    def test_a_bonus_every_0(self, world: World, as_role) -> None:
        refused(as_role("program_admin"), "bonus_every", bonus_every="0")

    def test_a_fixed_programme_without_its_amount(self, world: World, as_role) -> None:
        error = refused(as_role("program_admin"), "amount", schedule="fixed", amount=None)
        assert "A fixed reward needs its amount." in error

    def test_a_specimen_target_with_no_analytes(self, world: World, as_role) -> None:
        error = refused(as_role("program_admin"), "target_analytes", target_analytes=None)
        assert "Choose the analytes" in error

    def test_a_cap_of_0(self, world: World, as_role) -> None:
        refused(as_role("program_admin"), "annual_cap", annual_cap="0")

    def test_a_second_programme_of_the_same_name(self, world: World, as_role) -> None:
        client = as_role("program_admin")
        assert client.post(URL, programme_form()).status_code == 302
        response = client.post(URL, programme_form())
        assert response.status_code == 422
        assert "already has a CM programme with this name" in field_error(response.content.decode(), "name")
        assert CmProgramme.objects.count() == 1


@pytest.mark.parametrize("role", ["counsellor", "nurse", "prescriber", "patient", "privacy_officer"])
def test_other_roles_get_403(world: World, as_role, role: str) -> None:
    client = as_role(role)
    assert client.get(URL).status_code == 403
    assert client.post(URL, programme_form()).status_code == 403
    assert client.post(URL, {"form": "reward", "name": "Bus pass", "kind": "bus_pass", "value": "5"}).status_code == 403
    assert not CmProgramme.objects.exists()
    assert not Reward.objects.exists()
