"""A review's notes are counselling content: encrypted at rest and shown, like lapse notes, to the person
and to the clinicians who write the plan, not to other readers of the chart."""

from django.db import connection
from django.test import Client

from waymark.care import services_plans as services
from waymark.care.models import PlanReview
from waymark.care.tests.plan_helpers import counsellor, plan_url, signed, today, version_url
from waymark.conftest import World, sign_in
from waymark.core.roles import Role

NOTES = "Talked through the weekend with her sister, keeping the Thursday group."


def test_review_notes_are_encrypted_and_shown_only_to_the_plan_writers_and_the_person(world: World) -> None:
    plan = signed(world)
    services.record_review(counsellor(world), plan, today(world.patient), "continue", NOTES)
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM care_planreview")
        (stored,) = cursor.fetchone()
    assert NOTES not in stored and PlanReview.objects.get().notes == NOTES
    for role, shown in ((Role.COUNSELLOR, True), (Role.PATIENT, True), (Role.NURSE, False)):
        client = sign_in(Client(), world.user(role))
        for url in (plan_url(world.patient), version_url(plan)):
            response = client.get(url)
            assert response.status_code == 200
            assert (NOTES in response.content.decode()) is shown, (role, url)
