"""What staff and the person see: the balance, the streak and what the next
success earns, on the staff page, on the person's own page and over the API.
Nobody sees another program's ledger; a patient sees only their own; every read is audited."""

import json
from decimal import Decimal

import pytest

from waymark.chart.tests.api_helpers import session_api, token_api
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.incentives.tests.helpers import POSITIVE, D, days_ago, enrol, programme, specimen

pytestmark = pytest.mark.django_db


def two_negatives(world: World) -> None:
    """$2.50 + $3.75 = $6.25, 2 in a row; the third negative earns $5.00 + $10 bonus."""
    enrol(world, programme(world))
    specimen(world, days_ago(world, 2))
    specimen(world, days_ago(world, 1))


def staff_page(world: World) -> str:
    return f"/incentives/patients/{world.patient.pk}/"


def reads(world: World) -> int:
    return AuditEvent.objects.filter(action="read", object_type="incentives", patient_id=world.patient.pk).count()


class TestStaffPage:
    def test_it_shows_balance_streak_and_next_reward(self, world: World, as_role) -> None:
        two_negatives(world)
        response = as_role("counsellor").get(staff_page(world))
        assert response.status_code == 200
        html = response.content.decode()
        assert '<p class="balance" id="balance">$6.25</p>' in html
        assert '<strong class="streak">2</strong> (longest 2)' in html
        assert "<dt>Next success earns</dt><dd>$15.00</dd>" in html
        assert "$6.25 (2 of 2 met)" in html
        ledger = html.split('id="ledger"')[1]
        assert ledger.index("$3.75") < ledger.index("$2.50")  # newest first

    def test_after_a_positive_the_streak_is_0_and_the_next_reward_starts_again(self, world: World, as_role) -> None:
        two_negatives(world)
        specimen(world, days_ago(world, 0), POSITIVE)
        html = as_role("nurse").get(staff_page(world)).content.decode()
        assert '<strong class="streak">0</strong> (longest 2)' in html
        assert "<dt>Next success earns</dt><dd>$2.50</dd>" in html
        assert "Target not met · Opioid-negative vouchers" in html
        assert '<p class="balance" id="balance">$6.25</p>' in html  # nothing taken away

    def test_the_read_is_audited(self, world: World, as_role) -> None:
        two_negatives(world)
        before = reads(world)
        as_role("counsellor").get(staff_page(world))
        event = AuditEvent.objects.filter(action="read", object_type="incentives").latest("seq")
        assert reads(world) == before + 1
        assert event.actor == world.user(Role.COUNSELLOR)

    def test_another_programs_staff_get_404(self, world: World, client) -> None:
        two_negatives(world)
        sign_in(client, world.outsider_staff[Role.PROGRAM_ADMIN])
        assert client.get(staff_page(world)).status_code == 404
        assert (
            token_api(world.outsider_staff[Role.NURSE]).get(f"/patients/{world.patient.pk}/incentives").status_code
            == 404
        )

    def test_a_counsellor_off_the_care_team_must_break_the_glass(self, world: World, as_role) -> None:
        response = as_role("counsellor").get(f"/incentives/patients/{world.other_patient.pk}/")
        assert response.status_code == 302
        assert response["Location"] == f"/patients/{world.other_patient.pk}/break-glass/"


class TestThePersonsOwnView:
    def test_the_person_sees_their_own_page(self, world: World, as_role) -> None:
        two_negatives(world)
        before = reads(world)
        response = as_role("patient").get("/incentives/mine/")
        assert response.status_code == 200
        html = response.content.decode()
        assert '<p class="balance" id="balance">$6.25</p>' in html
        assert '<strong class="streak">2</strong>' in html
        assert "<dt>Next success earns</dt><dd>$15.00</dd>" in html
        assert 'id="redeem"' not in html and 'id="correct"' not in html
        assert reads(world) == before + 1

    def test_the_person_reads_their_own_ledger_over_the_api(self, world: World) -> None:
        two_negatives(world)
        response = session_api(world.user(Role.PATIENT)).get(f"/patients/{world.patient.pk}/incentives")
        assert response.status_code == 200
        body = json.loads(response.content)
        assert Decimal(body["balance"]) == D("6.25")
        (enrollment,) = body["enrollments"]
        assert (enrollment["programme"], enrollment["streak"], enrollment["next_reward"]) == (
            "Opioid-negative vouchers",
            2,
            "$15.00",
        )
        assert [Decimal(e["amount"]) for e in body["entries"]] == [D("3.75"), D("2.50")]
        assert [e["outcome"] for e in body["entries"]] == ["N", "N"]

    def test_the_person_cannot_read_another_persons_incentives(self, world: World, as_role) -> None:
        enrol(world, programme(world), patient=world.other_patient)
        specimen(world, days_ago(world, 1), patient=world.other_patient)
        client = as_role("patient")
        assert client.get(f"/incentives/patients/{world.other_patient.pk}/").status_code == 404
        api = session_api(world.user(Role.PATIENT))
        assert api.get(f"/patients/{world.other_patient.pk}/incentives").status_code == 404
        assert "$2.50" not in client.get("/incentives/mine/").content.decode()

    def test_staff_have_no_mine_page(self, world: World, as_role) -> None:
        assert as_role("counsellor").get("/incentives/mine/").status_code == 403
