"""Adding, changing and removing the plan's triggers and warning signs: each with what the person will do,
errors next to the fields with nothing saved, audited, and never another person's item."""

import pytest
from django.test import Client

from waymark.companion import services_plan
from waymark.companion.models import PlanItem
from waymark.companion.tests.conftest import start
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent, User
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

NEW = "/companion/plan/items/new/"
ITEM = {
    "kind": "warning_sign",
    "text": "Romanticising the old days",
    "coping": "Call my sponsor\nPlay the tape forward",
}


def edit_url(item: PlanItem, page: str = "") -> str:
    return f"/companion/plan/items/{item.pk}/{page}"


def others_item(world: World) -> PlanItem:
    other = world.user(Role.PATIENT)
    start(other)
    return services_plan.add_item(other, kind="trigger", text="Payday", coping="Walk")


class TestAdd:
    def test_the_form_offers_ideas_without_filling_anything_in(self, person_client: Client) -> None:
        html = person_client.get(NEW + "?kind=trigger").content.decode()
        assert "Ideas, if you are stuck" in html and "Feeling irritable or on edge" in html
        assert 'value="trigger" required id="id_kind_1" checked' in html
        assert 'id="id_coping">\n</textarea>' in html
        assert 'name="text" value=' not in html

    def test_it_adds_a_warning_sign_with_its_coping_responses(self, person_client: Client, self_guided: User) -> None:
        response = person_client.post(NEW, ITEM)
        assert response.status_code == 302 and response["Location"] == "/companion/plan/"
        item = PlanItem.objects.get()
        assert (item.kind, item.text, item.plan.user) == ("warning_sign", "Romanticising the old days", self_guided)
        assert services_plan.coping_lines(item) == ["Call my sponsor", "Play the tape forward"]
        event = AuditEvent.objects.get(action="companion_plan_item_add")
        assert event.actor == self_guided and event.object_id == str(item.pk) and "Romanticising" not in event.reason
        html = person_client.get("/companion/plan/").content.decode()
        assert "Added to your plan." in html and "<li>Play the tape forward</li>" in html

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"coping": "  "}, "coping"),
            ({"text": ""}, "text"),
            ({"kind": "mood"}, "kind"),
            ({"text": "x" * 301}, "text"),
        ],
    )
    def test_a_missing_or_wrong_field_is_refused_next_to_it(
        self, person_client: Client, change: dict[str, str], field: str
    ) -> None:
        response = person_client.post(NEW, {**ITEM, **change})
        assert response.status_code == 422
        assert f'id="id_{field}_error"' in response.content.decode()
        assert (
            PlanItem.objects.count() == 0 and not AuditEvent.objects.filter(action="companion_plan_item_add").exists()
        )

    def test_the_service_refuses_what_the_form_might_let_through(
        self, self_guided_profile: object, self_guided: User
    ) -> None:
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError) as exc:
            services_plan.add_item(self_guided, kind="trigger", text="ok", coping="a\x00b")
        assert "coping" in exc.value.message_dict
        assert PlanItem.objects.count() == 0

    def test_new_items_go_to_the_end_of_their_kind(self, self_guided_profile: object, self_guided: User) -> None:
        first = services_plan.add_item(self_guided, kind="trigger", text="One", coping="a")
        services_plan.add_item(self_guided, kind="warning_sign", text="Sign", coping="b")
        second = services_plan.add_item(self_guided, kind="trigger", text="Two", coping="c")
        assert second.position == first.position + 1


class TestChangeAndRemove:
    def test_it_changes_an_item(self, person_client: Client, self_guided: User) -> None:
        item = services_plan.add_item(self_guided, **ITEM)
        assert "Romanticising the old days" in person_client.get(edit_url(item)).content.decode()
        response = person_client.post(edit_url(item), {**ITEM, "kind": "trigger", "coping": "Leave the party"})
        assert response.status_code == 302
        item.refresh_from_db()
        assert (item.kind, item.coping) == ("trigger", "Leave the party")
        assert AuditEvent.objects.filter(action="companion_plan_item_change", object_id=str(item.pk)).exists()

    def test_an_unchanged_item_writes_nothing(self, person_client: Client, self_guided: User) -> None:
        item = services_plan.add_item(self_guided, **ITEM)
        person_client.post(edit_url(item), ITEM)
        assert not AuditEvent.objects.filter(action="companion_plan_item_change").exists()

    def test_a_bad_change_saves_nothing(self, person_client: Client, self_guided: User) -> None:
        item = services_plan.add_item(self_guided, **ITEM)
        response = person_client.post(edit_url(item), {**ITEM, "coping": ""})
        assert response.status_code == 422 and 'id="id_coping_error"' in response.content.decode()
        item.refresh_from_db()
        assert item.coping == ITEM["coping"]

    def test_it_removes_an_item_by_post_only(self, person_client: Client, self_guided: User) -> None:
        item = services_plan.add_item(self_guided, **ITEM)
        assert person_client.get(edit_url(item, "remove/")).status_code == 405
        assert person_client.post(edit_url(item, "remove/")).status_code == 302
        assert PlanItem.objects.count() == 0
        assert AuditEvent.objects.filter(action="companion_plan_item_remove", object_id=str(item.pk)).exists()

    def test_another_persons_item_does_not_exist(self, person_client: Client, world: World) -> None:
        item = others_item(world)
        assert person_client.get(edit_url(item)).status_code == 404
        assert person_client.post(edit_url(item), ITEM).status_code == 404
        assert person_client.post(edit_url(item, "remove/")).status_code == 404
        item.refresh_from_db()
        assert item.text == "Payday"

    def test_the_service_refuses_another_persons_item(
        self, world: World, self_guided: User, self_guided_profile: object
    ) -> None:
        from django.core.exceptions import ValidationError

        item = others_item(world)
        with pytest.raises(ValidationError):
            services_plan.remove_item(self_guided, item)
        with pytest.raises(ValidationError):
            services_plan.change_item(self_guided, item, **ITEM)
        assert PlanItem.objects.filter(pk=item.pk).exists()

    def test_staff_cannot_post(self, client: Client, world: World) -> None:
        item = others_item(world)
        staff = sign_in(client, world.user(Role.COUNSELLOR))
        assert staff.post(NEW, ITEM).status_code == 403
        assert staff.post(edit_url(item, "remove/")).status_code == 403
        assert PlanItem.objects.count() == 1
