"""Every read of a chart and every write to it leaves an audit row naming who,
in which role, which patient, what, and in which request."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from waymark.chart.models import Consent, Episode, Patient
from waymark.conftest import World, consent_form_data
from waymark.core.models import AuditEvent

REQUEST_ID = "req-audit-0001"


def new_rows(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__gt=before).order_by("seq"))


def last_seq() -> int:
    row = AuditEvent.objects.order_by("-seq").first()
    return row.seq if row else 0


def patient_form(patient: Patient, **changes: str) -> dict[str, str]:
    data = {
        "mrn": patient.mrn,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "preferred_name": patient.preferred_name,
        "date_of_birth": f"{patient.date_of_birth:%Y-%m-%d}",
        "sex_at_birth": patient.sex_at_birth,
        "phone": patient.phone,
        "address": patient.address,
        "preferred_language": patient.preferred_language,
        "site": str(patient.site_id or ""),
    }
    data.update(changes)
    return data


class TestChartReads:
    @pytest.fixture
    def urls(self, world: World) -> dict[str, str]:
        patient = world.patient
        patient.photo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
        patient.photo_content_type = "image/png"
        patient.save(update_fields=["photo", "photo_content_type"])
        return {
            "chart": reverse("chart", args=[patient.pk]),
            "photo": reverse("patient_photo", args=[patient.pk]),
            "disclosures": reverse("disclosures", args=[patient.pk]),
            "edit": reverse("patient_edit", args=[patient.pk]),
        }

    @pytest.mark.parametrize(
        ("page", "action", "object_type"),
        [
            ("chart", "read", "chart"),
            ("photo", "read", "photo"),
            ("disclosures", "read", "disclosures"),
            ("edit", "open_edit", "chart"),
        ],
    )
    def test_it_writes_exactly_one_row_per_read(
        self, page: str, action: str, object_type: str, world: World, urls: dict[str, str], as_role
    ) -> None:
        client: Client = as_role("counsellor")
        before = last_seq()
        response = client.get(urls[page], HTTP_X_REQUEST_ID=REQUEST_ID)
        assert response.status_code == 200
        assert response["X-Request-ID"] == REQUEST_ID
        rows = new_rows(before)
        assert len(rows) == 1
        row = rows[0]
        counsellor = world.user("counsellor")
        assert row.actor_id == counsellor.pk
        assert (row.actor_username, row.actor_role) == ("counsellor", "counsellor")
        assert row.patient_id == world.patient.pk
        assert row.program_id == world.program.pk
        assert (row.action, row.object_type) == (action, object_type)
        assert row.request_id == REQUEST_ID
        assert row.break_glass is False

    def test_it_gives_each_request_its_own_id(self, world: World, urls: dict[str, str], as_role) -> None:
        client: Client = as_role("nurse")
        before = last_seq()
        first = client.get(urls["chart"])
        second = client.get(urls["chart"])
        rows = new_rows(before)
        assert [r.request_id for r in rows] == [first["X-Request-ID"], second["X-Request-ID"]]
        assert rows[0].request_id != rows[1].request_id
        assert len(rows[0].request_id) >= 8

    def test_it_records_the_patients_read_of_their_own_record(self, world: World, as_role) -> None:
        client: Client = as_role("patient")
        before = last_seq()
        client.get(reverse("home"))
        rows = new_rows(before)
        assert [(r.action, r.actor_role, r.patient_id, r.object_type) for r in rows] == [
            ("read", "patient", world.patient.pk, "own_record")
        ]

    def test_it_records_the_privacy_officers_read_of_disclosures(
        self, world: World, urls: dict[str, str], as_role
    ) -> None:
        client: Client = as_role("privacy_officer")
        before = last_seq()
        client.get(urls["disclosures"])
        rows = new_rows(before)
        assert [(r.action, r.actor_role, r.patient_id) for r in rows] == [
            ("audit", "privacy_officer", world.patient.pk)
        ]


class TestChartWrites:
    def test_it_audits_an_edit_with_field_names_only(self, world: World, as_role) -> None:
        patient = world.patient
        client: Client = as_role("counsellor")
        before = last_seq()
        response = client.post(
            reverse("patient_edit", args=[patient.pk]),
            patient_form(patient, given_name="Danielle", phone="207-555-0199"),
            HTTP_X_REQUEST_ID=REQUEST_ID,
        )
        assert response.status_code == 302
        rows = new_rows(before)
        update = [r for r in rows if r.action == "update"]
        assert len(update) == 1
        assert update[0].patient_id == patient.pk
        assert update[0].actor_role == "counsellor"
        assert update[0].request_id == REQUEST_ID
        assert update[0].reason == "changed: given_name, phone"
        for row in rows:
            assert "Danielle" not in row.reason
            assert "0199" not in row.reason

    def test_it_audits_opening_an_episode(self, world: World, as_role) -> None:
        patient = world.other_patient  # no episode yet; the admin reaches every chart
        client: Client = as_role("program_admin")
        before = last_seq()
        response = client.post(
            reverse("episode_create", args=[patient.pk]),
            {"admitted_on": "2026-02-01", "level_of_care": "otp", "primary_substance": "heroin"},
        )
        assert response.status_code == 302
        episode = Episode.objects.get(patient=patient)
        rows = new_rows(before)
        assert ("create", "episode", str(episode.pk)) in [(r.action, r.object_type, r.object_id) for r in rows]
        assert all(r.patient_id == patient.pk for r in rows)

    def test_it_audits_recording_a_consent(self, world: World, as_role) -> None:
        patient = world.patient
        client: Client = as_role("counsellor")
        before = last_seq()
        response = client.post(reverse("consent_create", args=[patient.pk]), consent_form_data())
        assert response.status_code == 302
        consent = Consent.objects.get(patient=patient, kind="specific")
        rows = new_rows(before)
        created = [r for r in rows if r.action == "create"]
        assert [(r.object_type, r.object_id, r.actor_role) for r in created] == [
            ("consent", str(consent.pk), "counsellor")
        ]

    def test_it_audits_revoking_a_consent(self, world: World, as_role) -> None:
        patient = world.patient
        consent = patient.consents.get()
        client: Client = as_role("prescriber")
        before = last_seq()
        response = client.post(
            reverse("consent_revoke", args=[patient.pk, consent.pk]),
            {"revoked_on": "2026-02-01", "note": "Signed revocation form"},
        )
        assert response.status_code == 302
        rows = new_rows(before)
        revoked = [r for r in rows if r.action == "revoke"]
        assert [(r.object_type, r.object_id, r.patient_id, r.actor_role) for r in revoked] == [
            ("consent", str(consent.pk), patient.pk, "prescriber")
        ]

    def test_it_writes_nothing_when_the_write_is_refused(self, world: World, as_role) -> None:
        client: Client = as_role("nurse")
        before = last_seq()
        response = client.post(
            reverse("patient_edit", args=[world.patient.pk]), patient_form(world.patient, given_name="X")
        )
        assert response.status_code == 403
        assert new_rows(before) == []


class TestSearchAudit:
    def test_it_records_a_search_without_the_query(self, world: World, as_role) -> None:
        client: Client = as_role("counsellor")
        before = last_seq()
        response = client.post(reverse("patient_list"), {"q": "Whitlock"}, HTTP_X_REQUEST_ID=REQUEST_ID)
        assert response.status_code == 200
        assert "Whitlock, Dana" in response.content.decode()
        rows = new_rows(before)
        assert [(r.action, r.actor_role, r.request_id, r.patient_id) for r in rows] == [
            ("search", "counsellor", REQUEST_ID, None)
        ]
        for field in ("reason", "object_type", "object_id"):
            assert "whitlock" not in getattr(rows[0], field).lower()

    @pytest.mark.parametrize("query", ["Dana", "HR-1", "1988-05-17", "Marsh Elliot"])
    def test_it_never_stores_names_in_any_audit_reason(self, query: str, world: World, as_role) -> None:
        as_role("nurse").post(reverse("patient_list"), {"q": query})
        for reason in AuditEvent.objects.values_list("reason", flat=True):
            for word in query.split():
                assert word.lower() not in reason.lower()


class TestBirthdayAudit:
    def test_it_keeps_the_audit_reason_free_of_the_new_date_of_birth(self, world: World, as_role) -> None:
        patient = world.patient
        as_role("counsellor").post(
            reverse("patient_edit", args=[patient.pk]), patient_form(patient, date_of_birth="1987-04-03")
        )
        patient.refresh_from_db()
        assert patient.date_of_birth == dt.date(1987, 4, 3)
        reasons = list(AuditEvent.objects.filter(patient_id=patient.pk).values_list("reason", flat=True))
        assert "changed: date_of_birth" in reasons
        assert not any("1987" in r for r in reasons)
