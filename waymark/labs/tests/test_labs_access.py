"""Who may do what with drug tests, on the pages and the API. Nurses, and
counsellors and prescribers on the person's care team, record; the program
admin reads but does not record; the privacy officer and peer moderator see no
clinical content; a patient reads their own tests only. Another program's
patient does not exist (404); a counsellor off the care team is sent to
break-glass."""

import uuid

import pytest
from django.test import Client

from waymark.chart.tests.api_helpers import Api, api_for, problem
from waymark.conftest import World, sign_in
from waymark.core.roles import Role
from waymark.labs import services
from waymark.labs.models import AnalyteResult, Specimen
from waymark.labs.tests.helpers import (
    ago,
    collect,
    missed_url,
    page_url,
    results_form,
    results_url,
    specimen_form,
    specimen_url,
)

pytestmark = pytest.mark.django_db

RECORDERS = [Role.NURSE, Role.COUNSELLOR, Role.PRESCRIBER]
READ_ONLY = [Role.PROGRAM_ADMIN, Role.PATIENT]
NO_CLINICAL_ACCESS = [Role.PRIVACY_OFFICER, Role.PEER_MODERATOR]


def missed_form(world: World) -> dict[str, str]:
    return {
        "idempotency_key": str(uuid.uuid4()),
        "status": "missed",
        "due_at": specimen_form(world.patient)["collected_at"],
        "reason": "scheduled",
    }


def api_cup(world: World) -> dict[str, object]:
    return {
        "collected_at": ago(hours=1).isoformat(),
        "kind": "urine",
        "results": [{"analyte": "fentanyl", "result": "negative"}],
    }


def client_for(world: World, role: Role) -> Client:
    return sign_in(Client(), world.user(role))


class TestPages:
    @pytest.mark.parametrize("role", RECORDERS)
    def test_the_care_team_records_specimens_missed_tests_and_results(self, world: World, role: Role) -> None:
        client = client_for(world, role)
        page = client.get(page_url(world.patient))
        assert page.status_code == 200
        assert "Record a specimen" in page.content.decode()
        form = specimen_form(world.patient, {"fentanyl": "positive"})
        assert client.post(specimen_url(world.patient), form).status_code == 302
        assert client.post(missed_url(world.patient), missed_form(world)).status_code == 302
        specimen = Specimen.objects.get(status="collected")
        assert specimen.collected_by == world.user(role)
        assert client.get(results_url(world.patient, specimen)).status_code == 200
        posted = client.post(
            results_url(world.patient, specimen), results_form(world.patient, {"fentanyl": "positive"})
        )
        assert posted.status_code == 302
        assert AnalyteResult.objects.filter(method="lab").count() == 1

    @pytest.mark.parametrize("role", READ_ONLY)
    def test_the_program_admin_and_the_patient_read_but_do_not_record(self, world: World, role: Role) -> None:
        specimen = collect(world, world.patient, {"fentanyl": "negative"})
        client = client_for(world, role)
        page = client.get(page_url(world.patient))
        assert page.status_code == 200
        html = page.content.decode()
        assert f'id="specimen-{specimen.pk}"' in html
        assert "Record a specimen" not in html and "Add laboratory or later results" not in html
        self.assert_cannot_record(world, client, specimen)

    @pytest.mark.parametrize("role", NO_CLINICAL_ACCESS)
    def test_the_privacy_officer_and_peer_moderator_see_nothing(self, world: World, role: Role) -> None:
        specimen = collect(world, world.patient, {"fentanyl": "negative"})
        client = client_for(world, role)
        assert client.get(page_url(world.patient)).status_code == 403
        self.assert_cannot_record(world, client, specimen)

    @staticmethod
    def assert_cannot_record(world: World, client: Client, specimen: Specimen) -> None:
        assert client.post(specimen_url(world.patient), specimen_form(world.patient)).status_code == 403
        assert client.post(missed_url(world.patient), missed_form(world)).status_code == 403
        assert client.get(results_url(world.patient, specimen)).status_code == 403
        posted = client.post(results_url(world.patient, specimen), results_form(world.patient, {"cocaine": "positive"}))
        assert posted.status_code == 403
        assert Specimen.objects.count() == 1 and AnalyteResult.objects.count() == 1

    def test_a_patient_reads_nothing_of_another_patient(self, world: World) -> None:
        collect(world, world.other_patient, {"fentanyl": "positive"})
        client = client_for(world, Role.PATIENT)
        response = client.get(page_url(world.other_patient))
        assert response.status_code == 404
        assert "Elliot" not in response.content.decode()

    @pytest.mark.parametrize("role", [Role.NURSE, Role.PROGRAM_ADMIN, Role.COUNSELLOR])
    def test_another_programs_patient_is_not_found(self, world: World, role: Role) -> None:
        theirs = collect_outsider(world)
        client = client_for(world, role)
        assert client.get(page_url(world.outsider_patient)).status_code == 404
        assert client.post(specimen_url(world.outsider_patient), specimen_form(world.outsider_patient)).status_code == (
            404 if role is not Role.PROGRAM_ADMIN else 403
        )
        assert client.get(results_url(world.outsider_patient, theirs)).status_code == (
            404 if role is not Role.PROGRAM_ADMIN else 403
        )
        assert Specimen.objects.filter(patient=world.outsider_patient).count() == 1

    def test_a_specimen_id_from_another_patient_is_not_found(self, world: World) -> None:
        theirs = collect(world, world.other_patient, {"fentanyl": "positive"})
        client = client_for(world, Role.NURSE)
        assert client.get(results_url(world.patient, theirs)).status_code == 404

    @pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.PRESCRIBER])
    def test_off_the_care_team_the_page_sends_to_break_glass(self, world: World, role: Role) -> None:
        specimen = collect(world, world.other_patient, {"fentanyl": "positive"})
        client = client_for(world, role)
        break_glass = f"/patients/{world.other_patient.pk}/break-glass/"
        for response in (
            client.get(page_url(world.other_patient)),
            client.post(specimen_url(world.other_patient), specimen_form(world.other_patient)),
            client.post(missed_url(world.other_patient), missed_form(world)),
            client.get(results_url(world.other_patient, specimen)),
        ):
            assert response.status_code == 302 and response["Location"] == break_glass
        assert Specimen.objects.count() == 1

    def test_after_breaking_the_glass_the_page_opens_flagged(self, world: World) -> None:
        client = client_for(world, Role.COUNSELLOR)
        granted = client.post(
            f"/patients/{world.other_patient.pk}/break-glass/", {"reason": "Covering for a colleague today."}
        )
        assert granted.status_code == 302
        page = client.get(page_url(world.other_patient))
        assert page.status_code == 200
        assert "Emergency access" in page.content.decode()


def collect_outsider(world: World) -> Specimen:
    return services.record_specimen(
        world.outsider_staff[Role.NURSE],
        world.outsider_patient,
        services.SpecimenInput(idempotency_key=str(uuid.uuid4()), collected_at=ago(hours=1), kind="urine"),
    ).specimen


class TestApi:
    @pytest.mark.parametrize("role", RECORDERS)
    def test_the_care_team_records_over_the_api(self, world: World, role: Role) -> None:
        api = api_for(world, role)
        path = f"/patients/{world.patient.pk}/specimens"
        created = api.post(path, api_cup(world), HTTP_IDEMPOTENCY_KEY=f"key-{role.value}")
        assert created.status_code == 201, created.content
        sid = created.json()["id"]
        report = {"results": [{"analyte": "fentanyl", "result": "negative", "method": "lab"}]}
        assert api.post(f"{path}/{sid}/results", report).status_code == 200
        assert api.get(path).status_code == 200

    @pytest.mark.parametrize("role", [*READ_ONLY, *NO_CLINICAL_ACCESS])
    def test_others_may_not_record_over_the_api(self, world: World, role: Role) -> None:
        specimen = collect(world, world.patient, {"fentanyl": "negative"})
        api = api_for(world, role)
        path = f"/patients/{world.patient.pk}/specimens"
        problem(api.post(path, api_cup(world), HTTP_IDEMPOTENCY_KEY="key-forbidden"), 403)
        report = {"results": [{"analyte": "cocaine", "result": "positive"}]}
        problem(api.post(f"{path}/{specimen.pk}/results", report), 403)
        assert Specimen.objects.count() == 1 and AnalyteResult.objects.count() == 1
        listed = api.get(path)
        if role in READ_ONLY:
            assert listed.status_code == 200 and [s["id"] for s in listed.json()] == [specimen.pk]
        else:
            problem(listed, 403)

    def test_a_patient_reads_only_their_own_tests(self, world: World) -> None:
        collect(world, world.other_patient, {"fentanyl": "positive"})
        api = api_for(world, Role.PATIENT)
        problem(api.get(f"/patients/{world.other_patient.pk}/specimens"), 404)
        assert api.get(f"/patients/{world.patient.pk}/specimens").json() == []

    def test_another_programs_patient_is_404(self, world: World) -> None:
        theirs = collect_outsider(world)
        api: Api = api_for(world, Role.NURSE)
        path = f"/patients/{world.outsider_patient.pk}/specimens"
        problem(api.get(path), 404)
        problem(api.post(path, api_cup(world), HTTP_IDEMPOTENCY_KEY="key-outsider"), 404)
        problem(
            api.post(f"{path}/{theirs.pk}/results", {"results": [{"analyte": "fentanyl", "result": "positive"}]}), 404
        )
        assert theirs.results.count() == 0

    def test_off_the_care_team_the_api_points_to_break_glass(self, world: World) -> None:
        api = api_for(world, Role.COUNSELLOR)
        path = f"/patients/{world.other_patient.pk}/specimens"
        for response in (api.get(path), api.post(path, api_cup(world), HTTP_IDEMPOTENCY_KEY="key-off-team")):
            body = problem(response, 403)
            assert body["break_glass_url"] == f"/api/v1/patients/{world.other_patient.pk}/break-glass"
        assert not Specimen.objects.exists()
