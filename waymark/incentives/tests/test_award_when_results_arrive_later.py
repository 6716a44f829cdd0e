"""A laboratory's results arriving later, through the API or the results page, earn
the award in the same request (the specimen those paths load carries its earlier
results already: the award must see the new ones too)."""

import datetime as dt
import uuid

from waymark.chart.tests.api_helpers import token_api
from waymark.conftest import World, sign_in
from waymark.core.roles import Role
from waymark.incentives.tests.helpers import amounts, enrol, programme, specimen


def test_lab_results_posted_to_the_api_earn_the_award(world: World) -> None:
    enrollment = enrol(world, programme(world))
    pending = specimen(world, world.program.clinic_day(), {"opiates": "negative"}).specimen
    assert amounts(enrollment) == []
    response = token_api(world.user(Role.NURSE)).post(
        f"/patients/{world.patient.pk}/specimens/{pending.pk}/results",
        {"results": [{"analyte": "fentanyl", "result": "negative", "method": "lab"}]},
    )
    assert response.status_code == 200, response.content
    assert [str(a) for a in amounts(enrollment)] == ["2.50"]


def test_results_entered_on_the_page_earn_the_award_and_say_so(world: World, client) -> None:
    enrollment = enrol(world, programme(world))
    pending = specimen(world, world.program.clinic_day(), {"opiates": "negative"}).specimen
    sign_in(client, world.user(Role.NURSE))
    now = dt.datetime.now(world.program.zone).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/labs/patients/{world.patient.pk}/specimens/{pending.pk}/results/",
        {"method": "lab", "resulted_at": now, "result_fentanyl": "negative", "idempotency_key": str(uuid.uuid4())},
        follow=True,
    )
    assert response.status_code == 200
    assert "earned $2.50, 1 in a row" in response.content.decode()
    assert [str(a) for a in amounts(enrollment)] == ["2.50"]
