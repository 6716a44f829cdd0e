"""Patients over the API: list, search, create, read, change; the pages' rules and audit."""

import datetime as dt

import pytest

from waymark.chart.models import BreakGlassAccess, CareTeamMember, Patient
from waymark.chart.tests.api_helpers import api_for, problem, session_api
from waymark.conftest import World, make_patient
from waymark.core.models import AuditEvent

NEW_PATIENT = {
    "mrn": "HR-77",
    "given_name": "Robin",
    "family_name": "Okafor",
    "date_of_birth": "1979-02-11",
    "sex_at_birth": "female",
    "phone": "(207) 555-0142",
    "address": "9 Pier Rd, Portland, ME",
}


def _reads(patient: Patient) -> int:
    return AuditEvent.objects.filter(patient_id=patient.pk, action="read").count()


class TestListPatients:
    def test_it_lists_the_programs_patients_by_name(self, world: World) -> None:
        response = api_for(world, "nurse").get("/patients")
        assert response.status_code == 200
        body = response.json()
        assert (body["count"], body["page"], body["pages"]) == (2, 1, 1)
        assert [p["mrn"] for p in body["results"]] == ["HR-2", "HR-1"]  # Marsh, Whitlock

    def test_it_shows_no_patient_of_another_program(self, world: World) -> None:
        body = api_for(world, "program_admin").get("/patients").json()
        assert "EL-1" not in {p["mrn"] for p in body["results"]}

    def test_it_audits_the_listing(self, world: World) -> None:
        api_for(world, "nurse").get("/patients")
        assert AuditEvent.objects.filter(action="search", actor_username="nurse").count() == 1

    @pytest.mark.parametrize("role", ["patient", "peer_moderator", "privacy_officer"])
    def test_it_denies_roles_that_cannot_search(self, world: World, role: str) -> None:
        problem(api_for(world, role).get("/patients"), 403)

    def test_it_rejects_a_page_out_of_range(self, world: World) -> None:
        problem(api_for(world, "nurse").get("/patients?page=0"), 422, "page")


class TestSearchPatients:
    def test_it_finds_by_family_name(self, world: World) -> None:
        body = api_for(world, "nurse").post("/patients/search", {"q": "whit"}).json()
        assert [p["mrn"] for p in body["results"]] == ["HR-1"]

    def test_it_finds_by_mrn(self, world: World) -> None:
        body = api_for(world, "nurse").post("/patients/search", {"q": "hr-2"}).json()
        assert [p["mrn"] for p in body["results"]] == ["HR-2"]

    def test_it_finds_by_date_of_birth(self, world: World) -> None:
        make_patient(world.program, "HR-3", "Sam", "Ruiz", date_of_birth=dt.date(1990, 12, 1))
        api = api_for(world, "nurse")
        body = api.post("/patients/search", {"q": "1990-12-01"}).json()
        assert [p["mrn"] for p in body["results"]] == ["HR-3"]
        body = api.post("/patients/search", {"q": "12/01/1990"}).json()
        assert [p["mrn"] for p in body["results"]] == ["HR-3"]

    def test_it_matches_every_word(self, world: World) -> None:
        body = api_for(world, "nurse").post("/patients/search", {"q": "Dana Marsh"}).json()
        assert body["count"] == 0

    def test_it_paginates(self, world: World) -> None:
        for i in range(30):
            make_patient(world.program, f"PG-{i}", f"Given{i:02d}", "Page")
        api = api_for(world, "nurse")
        first = api.post("/patients/search", {"q": "page"}).json()
        second = api.post("/patients/search", {"q": "page", "page": 2}).json()
        assert (first["count"], first["pages"], len(first["results"])) == (30, 2, 25)
        assert (second["page"], len(second["results"])) == (2, 5)
        assert not {p["id"] for p in first["results"]} & {p["id"] for p in second["results"]}

    def test_it_keeps_the_search_text_out_of_the_audit_log(self, world: World) -> None:
        api_for(world, "nurse").post("/patients/search", {"q": "Whitlock"})
        row = AuditEvent.objects.get(action="search")
        assert "Whitlock" not in row.reason

    def test_it_never_finds_another_programs_patient(self, world: World) -> None:
        body = api_for(world, "program_admin").post("/patients/search", {"q": "Stone"}).json()
        assert body["count"] == 0

    def test_it_denies_a_peer_moderator(self, world: World) -> None:
        problem(api_for(world, "peer_moderator").post("/patients/search", {"q": "Whitlock"}), 403)


class TestCreatePatient:
    def test_it_adds_a_patient_and_audits_it(self, world: World) -> None:
        response = api_for(world, "program_admin").post("/patients", NEW_PATIENT)
        assert response.status_code == 201, response.content
        body = response.json()
        patient = Patient.objects.get(pk=body["id"])
        assert (patient.program, patient.mrn, patient.address) == (world.program, "HR-77", "9 Pier Rd, Portland, ME")
        assert body["sex_at_birth"] == "female"
        assert body["has_photo"] is False
        assert AuditEvent.objects.filter(patient_id=patient.pk, action="create", object_type="patient").exists()

    def test_it_puts_a_counsellor_on_the_new_patients_care_team(self, world: World) -> None:
        api = api_for(world, "counsellor")
        created = api.post("/patients", NEW_PATIENT).json()
        assert CareTeamMember.objects.filter(patient_id=created["id"], user=world.user("counsellor")).exists()
        # So the chart they just opened stays reachable without breaking the glass.
        assert api.get(f"/patients/{created['id']}").status_code == 200

    @pytest.mark.parametrize("role", ["nurse", "patient", "peer_moderator", "privacy_officer"])
    def test_it_denies_roles_that_cannot_add_patients(self, world: World, role: str) -> None:
        problem(api_for(world, role).post("/patients", NEW_PATIENT), 403)
        assert not Patient.objects.filter(mrn="HR-77").exists()


class TestGetPatient:
    def test_it_shows_the_chart_to_the_care_team(self, world: World) -> None:
        response = api_for(world, "counsellor").get(f"/patients/{world.patient.pk}")
        assert response.status_code == 200
        body = response.json()
        assert (body["given_name"], body["address"]) == ("Dana", "1 Harbor St, Portland, ME")

    @pytest.mark.parametrize("role", ["counsellor", "nurse", "prescriber", "program_admin", "patient"])
    def test_it_writes_exactly_one_audit_row_per_read(self, world: World, role: str) -> None:
        api = api_for(world, role)
        before = _reads(world.patient)
        assert api.get(f"/patients/{world.patient.pk}").status_code == 200
        assert _reads(world.patient) == before + 1
        row = AuditEvent.objects.filter(patient_id=world.patient.pk).order_by("-seq").first()
        assert row is not None
        assert (row.action, row.actor_username, row.object_type) == ("read", world.user(role).username, "patient")
        assert api.get(f"/patients/{world.patient.pk}").status_code == 200
        assert _reads(world.patient) == before + 2

    def test_a_nurse_reads_any_patient_of_the_program(self, world: World) -> None:
        assert api_for(world, "nurse").get(f"/patients/{world.other_patient.pk}").status_code == 200

    def test_it_asks_a_counsellor_off_the_care_team_to_break_the_glass(self, world: World) -> None:
        api = api_for(world, "counsellor")
        body = problem(api.get(f"/patients/{world.other_patient.pk}"), 403)
        assert body["break_glass_url"] == f"/api/v1/patients/{world.other_patient.pk}/break-glass"
        assert "break-glass" in body["detail"]
        assert _reads(world.other_patient) == 0

    def test_break_glass_opens_the_chart_and_flags_the_reads(self, world: World) -> None:
        api = api_for(world, "counsellor")
        response = api.post(
            f"/patients/{world.other_patient.pk}/break-glass", {"reason": "Patient in crisis at the front desk"}
        )
        assert response.status_code == 201, response.content
        assert BreakGlassAccess.objects.filter(user=world.user("counsellor"), patient=world.other_patient).exists()
        assert api.get(f"/patients/{world.other_patient.pk}").status_code == 200
        row = AuditEvent.objects.filter(patient_id=world.other_patient.pk, action="read").get()
        assert row.break_glass is True
        assert row.reason == "Patient in crisis at the front desk"

    def test_break_glass_needs_a_reason(self, world: World) -> None:
        api = api_for(world, "counsellor")
        problem(api.post(f"/patients/{world.other_patient.pk}/break-glass", {"reason": "   because   "}), 422, "reason")
        problem(api.post(f"/patients/{world.other_patient.pk}/break-glass", {}), 422, "reason")
        assert not BreakGlassAccess.objects.exists()

    @pytest.mark.parametrize("role", ["nurse", "program_admin", "peer_moderator", "privacy_officer", "patient"])
    def test_break_glass_is_refused_to_roles_without_it(self, world: World, role: str) -> None:
        response = api_for(world, role).post(
            f"/patients/{world.other_patient.pk}/break-glass", {"reason": "Patient in crisis at the front desk"}
        )
        problem(response, 403)
        assert not BreakGlassAccess.objects.exists()

    def test_break_glass_cannot_reach_another_program(self, world: World) -> None:
        response = api_for(world, "counsellor").post(
            f"/patients/{world.outsider_patient.pk}/break-glass", {"reason": "Patient in crisis at the front desk"}
        )
        problem(response, 404)

    @pytest.mark.parametrize("role", ["peer_moderator", "privacy_officer"])
    def test_it_denies_roles_that_do_not_read_charts(self, world: World, role: str) -> None:
        problem(api_for(world, role).get(f"/patients/{world.patient.pk}"), 403)
        assert _reads(world.patient) == 0

    def test_a_patient_reads_only_their_own_record(self, world: World) -> None:
        api = session_api(world.user("patient"))
        assert api.get(f"/patients/{world.patient.pk}").json()["mrn"] == "HR-1"
        problem(api.get(f"/patients/{world.other_patient.pk}"), 404)
        problem(api.get(f"/patients/{world.outsider_patient.pk}"), 404)

    @pytest.mark.parametrize("role", ["nurse", "program_admin", "counsellor"])
    def test_another_programs_patient_is_not_found(self, world: World, role: str) -> None:
        problem(api_for(world, role).get(f"/patients/{world.outsider_patient.pk}"), 404)
        assert _reads(world.outsider_patient) == 0

    def test_an_unknown_id_is_not_found(self, world: World) -> None:
        problem(api_for(world, "nurse").get("/patients/987654321"), 404)
        problem(api_for(world, "nurse").get("/patients/99999999999999999999999"), 404)


class TestPatchPatient:
    def test_it_changes_only_the_fields_sent(self, world: World) -> None:
        response = api_for(world, "counsellor").patch(
            f"/patients/{world.patient.pk}", {"preferred_name": "Dee", "pronouns": "she/her"}
        )
        assert response.status_code == 200, response.content
        world.patient.refresh_from_db()
        assert (world.patient.preferred_name, world.patient.pronouns, world.patient.given_name) == (
            "Dee",
            "she/her",
            "Dana",
        )
        assert response.json()["preferred_name"] == "Dee"

    def test_it_audits_the_field_names_but_not_the_values(self, world: World) -> None:
        api_for(world, "counsellor").patch(f"/patients/{world.patient.pk}", {"phone": "207-555-0199"})
        row = AuditEvent.objects.get(patient_id=world.patient.pk, action="update")
        assert row.reason == "changed: phone"
        assert "0199" not in row.reason

    def test_it_changes_nothing_for_an_empty_body(self, world: World) -> None:
        response = api_for(world, "counsellor").patch(f"/patients/{world.patient.pk}", {})
        assert response.status_code == 200
        assert not AuditEvent.objects.filter(patient_id=world.patient.pk, action="update").exists()

    def test_it_denies_a_nurse(self, world: World) -> None:
        problem(api_for(world, "nurse").patch(f"/patients/{world.patient.pk}", {"preferred_name": "Dee"}), 403)
        world.patient.refresh_from_db()
        assert world.patient.preferred_name == ""

    def test_it_denies_the_patient(self, world: World) -> None:
        problem(session_api(world.user("patient")).patch(f"/patients/{world.patient.pk}", {"pronouns": "they"}), 403)

    def test_it_asks_a_counsellor_off_the_care_team_to_break_the_glass(self, world: World) -> None:
        response = api_for(world, "counsellor").patch(f"/patients/{world.other_patient.pk}", {"pronouns": "he/him"})
        assert "break_glass_url" in problem(response, 403)

    def test_another_programs_patient_is_not_found(self, world: World) -> None:
        problem(api_for(world, "program_admin").patch(f"/patients/{world.outsider_patient.pk}", {"pronouns": "x"}), 404)
