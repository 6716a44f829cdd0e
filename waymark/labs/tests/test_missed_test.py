"""/labs/patients/<id>/missed/: a test that was due and missed (the person did
not come) or refused is recorded as an event with no results; the page says
what it means and shows the notes, and the trend marks the day."""

import datetime as dt
import re
import uuid

import pytest
from django.utils import timezone

from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.labs.models import AnalyteResult, Specimen
from waymark.labs.tests.helpers import (
    ago,
    assert_references_resolve,
    collect,
    field_errors,
    local,
    minute,
    missed_url,
    page_url,
    shown,
)

pytestmark = pytest.mark.django_db


def missed_form(world: World, **changes: str | None) -> dict[str, str]:
    data: dict[str, str | None] = {
        "idempotency_key": str(uuid.uuid4()),
        "status": "missed",
        "due_at": local(world.patient, ago(hours=3)),
        "reason": "random",
        "notes": "Called at 10:00; will come in Monday.",
        **changes,
    }
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(("status", "label"), [("missed", "Missed (did not attend)"), ("refused", "Refused")])
def test_a_missed_or_refused_test_is_an_event_without_results(world: World, as_role, status: str, label: str) -> None:
    client = as_role(Role.COUNSELLOR)
    data = missed_form(world, status=status)
    response = client.post(missed_url(world.patient), data, follow=True)
    assert response.redirect_chain == [(page_url(world.patient), 302)]
    html = response.content.decode()

    specimen = Specimen.objects.get()
    assert specimen.status == status and specimen.reason == "random"
    assert specimen.kind == "" and specimen.temperature_in_range is None and not specimen.observed
    assert specimen.collected_at == minute(world.patient, data["due_at"])
    assert specimen.collected_by == world.user(Role.COUNSELLOR)
    assert not AnalyteResult.objects.exists()

    assert f'{shown(world.patient, specimen.collected_at)} · <span class="badge {status}">{label}</span>' in html
    assert "Recorded by Counsellor" in html
    assert "Called at 10:00; will come in Monday." in html
    assert (
        f"Specimen {status}: recorded. It counts as not negative (like a positive) for incentives and outcomes." in html
    )
    # No specimen: nothing awaits results, and there is nothing to add results to.
    assert "Awaiting results." not in html and "Add laboratory or later results" not in html
    assert AuditEvent.objects.filter(action=f"specimen_{status}", object_id=str(specimen.pk)).count() == 1


def test_the_trend_marks_the_missed_day(world: World, as_role) -> None:
    collect(world, world.patient, {"fentanyl": "negative"}, at=ago(days=3))
    client = as_role(Role.NURSE)
    client.post(missed_url(world.patient), missed_form(world, due_at=local(world.patient, ago(hours=2))))
    html = client.get(page_url(world.patient)).content.decode()
    trend = html[html.index('<table class="trend">') : html.index("</table>", html.index('<table class="trend">'))]
    fentanyl = re.search(r'<th scope="row">Fentanyl</th>(.*?)</tr>', trend)
    assert fentanyl is not None
    # Oldest first: the negative cup, then the missed test.
    assert re.findall(r'<span class="badge (\w+)">', fentanyl.group(1)) == ["negative", "missed"]


def test_the_same_form_twice_records_one_event(world: World, as_role) -> None:
    client = as_role(Role.NURSE)
    data = missed_form(world)
    client.post(missed_url(world.patient), data)
    again = client.post(missed_url(world.patient), data, follow=True)
    assert "This test was already recorded; nothing was saved twice." in again.content.decode()
    assert Specimen.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"due_at": "FUTURE"}, "due_at", "That time is in the future."),
        ({"status": None}, "status", "This field is required."),
        ({"status": "collected"}, "status", "Select a valid choice."),
        ({"due_at": ""}, "due_at", "This field is required."),
    ],
)
def test_bad_input_is_refused_next_to_its_field(
    world: World, as_role, changes: dict[str, str | None], field: str, message: str
) -> None:
    client = as_role(Role.NURSE)
    if changes.get("due_at") == "FUTURE":
        changes = {"due_at": local(world.patient, timezone.now() + dt.timedelta(hours=1))}
    response = client.post(missed_url(world.patient), missed_form(world, **changes))
    assert response.status_code == 422
    html = response.content.decode()
    assert message in field_errors(html, field, auto_id="id_missed_%s")
    assert_references_resolve(html)
    assert not Specimen.objects.exists()
