"""Episodes, consents and disclosures over the API: the pages' rules, history and audit."""

import datetime as dt

import pytest

from waymark.chart.models import Consent, Disclosure, Episode
from waymark.chart.tests.api_helpers import CONSENT, api_for, problem, session_api
from waymark.conftest import World
from waymark.core.models import AuditEvent

DISCLOSURE = {
    "disclosed_on": "2026-03-01",
    "recipient": "Primary care clinic",
    "description": "Current dose and attendance",
    "purpose": "Treatment",
}
NEW_EPISODE = {"admitted_on": "2026-02-02", "level_of_care": "withdrawal_management", "primary_substance": "heroin"}


def _audited(action: str, object_type: str) -> int:
    return AuditEvent.objects.filter(action=action, object_type=object_type).count()


class TestCreateEpisode:
    def test_it_opens_an_episode_with_its_first_level_of_care(self, world: World) -> None:
        api = api_for(world, "program_admin")
        data = {**NEW_EPISODE, "severity": "moderate", "site_id": world.site.pk}
        response = api.post(f"/patients/{world.other_patient.pk}/episodes", data)
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["admitted_on"], body["level_of_care"], body["site_id"]) == (
            "2026-02-02",
            "withdrawal_management",
            world.site.pk,
        )
        assert body["discharged_on"] is None
        assert body["level_history"] == [
            {"level_of_care": "withdrawal_management", "started_on": "2026-02-02", "reason": "Admission"}
        ]
        assert AuditEvent.objects.filter(
            patient_id=world.other_patient.pk, action="create", object_type="episode"
        ).exists()

    def test_it_denies_a_nurse(self, world: World) -> None:
        problem(api_for(world, "nurse").post(f"/patients/{world.other_patient.pk}/episodes", NEW_EPISODE), 403)
        assert not Episode.objects.filter(patient=world.other_patient).exists()

    def test_it_asks_a_counsellor_off_the_care_team_to_break_the_glass(self, world: World) -> None:
        response = api_for(world, "counsellor").post(f"/patients/{world.other_patient.pk}/episodes", NEW_EPISODE)
        assert "break_glass_url" in problem(response, 403)


class TestListEpisodes:
    def test_it_lists_episodes_and_audits_the_read(self, world: World) -> None:
        before = _audited("read", "episodes")
        response = api_for(world, "nurse").get(f"/patients/{world.patient.pk}/episodes")
        assert response.status_code == 200
        assert [e["level_of_care"] for e in response.json()] == ["otp"]
        assert _audited("read", "episodes") == before + 1

    def test_a_patient_sees_their_own_episodes(self, world: World) -> None:
        response = session_api(world.user("patient")).get(f"/patients/{world.patient.pk}/episodes")
        assert response.status_code == 200

    @pytest.mark.parametrize("role", ["peer_moderator", "privacy_officer"])
    def test_it_denies_roles_that_do_not_read_charts(self, world: World, role: str) -> None:
        problem(api_for(world, role).get(f"/patients/{world.patient.pk}/episodes"), 403)


class TestPatchEpisode:
    def _url(self, world: World) -> str:
        return f"/patients/{world.patient.pk}/episodes/{world.patient.episodes.get().pk}"

    def test_a_level_of_care_change_adds_a_dated_history_entry(self, world: World) -> None:
        response = api_for(world, "counsellor").patch(
            self._url(world),
            {
                "level_of_care": "intensive_outpatient",
                "level_changed_on": "2026-03-02",
                "level_change_reason": "Stable on dose; stepping down",
            },
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["level_of_care"] == "intensive_outpatient"
        assert body["level_history"][-1] == {
            "level_of_care": "intensive_outpatient",
            "started_on": "2026-03-02",
            "reason": "Stable on dose; stepping down",
        }
        row = AuditEvent.objects.get(patient_id=world.patient.pk, action="update", object_type="episode")
        assert row.reason == "changed: level_of_care"

    def test_a_level_change_without_a_date_starts_on_the_clinic_day(self, world: World) -> None:
        response = api_for(world, "counsellor").patch(self._url(world), {"level_of_care": "outpatient"})
        assert response.json()["level_history"][-1]["started_on"] == world.program.clinic_day().isoformat()

    def test_other_changes_add_no_history_entry(self, world: World) -> None:
        response = api_for(world, "counsellor").patch(self._url(world), {"diagnosis": "OUD, severe (F11.20)"})
        assert response.status_code == 200
        assert len(response.json()["level_history"]) == 0  # the fixture's episode was created without one
        assert world.patient.episodes.get().diagnosis == "OUD, severe (F11.20)"

    def test_it_discharges_and_reopens(self, world: World) -> None:
        api = api_for(world, "counsellor")
        response = api.patch(self._url(world), {"discharged_on": "2026-03-10", "discharge_reason": "completed"})
        assert (response.json()["discharged_on"], response.json()["discharge_reason"]) == ("2026-03-10", "completed")
        # The end-of-treatment consent ended with the episode.
        assert {c["status"] for c in api.get(f"/patients/{world.patient.pk}/consents").json()} == {"expired"}
        response = api.patch(self._url(world), {"discharged_on": None})
        assert (response.json()["discharged_on"], response.json()["discharge_reason"]) == (None, "")

    def test_it_denies_a_nurse(self, world: World) -> None:
        problem(api_for(world, "nurse").patch(self._url(world), {"level_of_care": "outpatient"}), 403)
        assert world.patient.episodes.get().level_of_care == "otp"

    def test_an_episode_of_another_patient_is_not_found(self, world: World) -> None:
        other = Episode.objects.create(
            patient=world.other_patient,
            admitted_on=dt.date(2026, 1, 9),
            level_of_care="otp",
            primary_substance="heroin",
        )
        response = api_for(world, "program_admin").patch(
            f"/patients/{world.patient.pk}/episodes/{other.pk}", {"cohort": "spring"}
        )
        problem(response, 404)


class TestConsents:
    def test_it_records_a_consent(self, world: World) -> None:
        response = api_for(world, "counsellor").post(f"/patients/{world.patient.pk}/consents", CONSENT)
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["kind"], body["status"], body["revoked_on"]) == ("specific", "active", None)
        assert Consent.objects.filter(pk=body["id"], recorded_by=world.user("counsellor")).exists()
        assert AuditEvent.objects.filter(patient_id=world.patient.pk, action="create", object_type="consent").exists()

    def test_an_end_of_treatment_consent_without_an_open_episode_shows_as_expired(self, world: World) -> None:
        data = {**CONSENT, "kind": "tpo", "expiry_kind": "end_of_treatment", "expires_on": None}
        body = api_for(world, "program_admin").post(f"/patients/{world.other_patient.pk}/consents", data).json()
        assert body["status"] == "expired"

    def test_it_lists_consents_and_audits_the_read(self, world: World) -> None:
        before = _audited("read", "consents")
        body = api_for(world, "nurse").get(f"/patients/{world.patient.pk}/consents").json()
        assert [(c["kind"], c["status"]) for c in body] == [("tpo", "active")]
        assert _audited("read", "consents") == before + 1

    def test_a_patient_reads_but_does_not_record_their_consents(self, world: World) -> None:
        api = session_api(world.user("patient"))
        assert api.get(f"/patients/{world.patient.pk}/consents").status_code == 200
        problem(api.post(f"/patients/{world.patient.pk}/consents", CONSENT), 403)

    @pytest.mark.parametrize("role", ["nurse", "peer_moderator", "privacy_officer"])
    def test_it_denies_recording_to_roles_without_consent_rights(self, world: World, role: str) -> None:
        problem(api_for(world, role).post(f"/patients/{world.patient.pk}/consents", CONSENT), 403)
        assert world.patient.consents.count() == 1

    def test_it_revokes_a_consent(self, world: World) -> None:
        consent = world.patient.consents.get()
        response = api_for(world, "prescriber").post(
            f"/patients/{world.patient.pk}/consents/{consent.pk}/revoke",
            {"revoked_on": "2026-02-15", "note": "Signed revocation form"},
        )
        assert response.status_code == 200, response.content
        assert (response.json()["status"], response.json()["revoked_on"]) == ("revoked", "2026-02-15")
        consent.refresh_from_db()
        assert (consent.revoked_by, consent.revocation_note) == (world.user("prescriber"), "Signed revocation form")
        row = AuditEvent.objects.get(action="revoke", object_type="consent")
        assert row.reason == "Signed revocation form"

    def test_it_denies_a_nurse_revoking(self, world: World) -> None:
        consent = world.patient.consents.get()
        response = api_for(world, "nurse").post(
            f"/patients/{world.patient.pk}/consents/{consent.pk}/revoke",
            {"revoked_on": "2026-02-15", "note": "Signed revocation form"},
        )
        problem(response, 403)
        consent.refresh_from_db()
        assert consent.revoked_on is None

    def test_a_consent_of_another_patient_is_not_found(self, world: World) -> None:
        consent = world.patient.consents.get()
        response = api_for(world, "program_admin").post(
            f"/patients/{world.other_patient.pk}/consents/{consent.pk}/revoke",
            {"revoked_on": "2026-02-15", "note": "Signed revocation form"},
        )
        problem(response, 404)


class TestDisclosures:
    @pytest.mark.parametrize("role", ["privacy_officer", "program_admin"])
    def test_oversight_roles_record_and_list_disclosures(self, world: World, role: str) -> None:
        api = api_for(world, role)
        consent = world.patient.consents.get()
        response = api.post(f"/patients/{world.patient.pk}/disclosures", {**DISCLOSURE, "consent_id": consent.pk})
        assert response.status_code == 201, response.content
        assert response.json()["consent_id"] == consent.pk
        disclosure = Disclosure.objects.get(pk=response.json()["id"])
        assert disclosure.recorded_by == world.user(role)
        listed = api.get(f"/patients/{world.patient.pk}/disclosures")
        assert [d["id"] for d in listed.json()] == [disclosure.pk]

    def test_a_disclosure_may_rest_on_a_legal_basis_without_consent(self, world: World) -> None:
        response = api_for(world, "privacy_officer").post(f"/patients/{world.patient.pk}/disclosures", DISCLOSURE)
        assert response.status_code == 201
        assert response.json()["consent_id"] is None

    def test_the_privacy_officer_cannot_read_the_chart(self, world: World) -> None:
        api = api_for(world, "privacy_officer")
        assert api.get(f"/patients/{world.patient.pk}/disclosures").status_code == 200
        for path in ("", "/episodes", "/consents"):
            problem(api.get(f"/patients/{world.patient.pk}{path}"), 403)

    def test_the_privacy_officer_reaches_patients_off_any_care_team(self, world: World) -> None:
        api = api_for(world, "privacy_officer")
        assert api.get(f"/patients/{world.other_patient.pk}/disclosures").status_code == 200
        problem(api.get(f"/patients/{world.outsider_patient.pk}/disclosures"), 404)

    def test_listing_is_audited(self, world: World) -> None:
        api_for(world, "privacy_officer").get(f"/patients/{world.patient.pk}/disclosures")
        row = AuditEvent.objects.get(patient_id=world.patient.pk, object_type="disclosures")
        assert row.actor_username == "privacy_officer"

    def test_the_care_team_lists_but_does_not_record(self, world: World) -> None:
        api = api_for(world, "counsellor")
        assert api.get(f"/patients/{world.patient.pk}/disclosures").status_code == 200
        problem(api.post(f"/patients/{world.patient.pk}/disclosures", DISCLOSURE), 403)
        assert not Disclosure.objects.exists()

    @pytest.mark.parametrize("role", ["nurse", "peer_moderator", "patient"])
    def test_it_denies_recording_to_other_roles(self, world: World, role: str) -> None:
        problem(api_for(world, role).post(f"/patients/{world.patient.pk}/disclosures", DISCLOSURE), 403)
        assert not Disclosure.objects.exists()

    def test_a_peer_moderator_cannot_list_disclosures(self, world: World) -> None:
        problem(api_for(world, "peer_moderator").get(f"/patients/{world.patient.pk}/disclosures"), 403)
