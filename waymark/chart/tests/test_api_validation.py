"""Bad input gets a 422 problem naming the field, and nothing is saved."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from waymark.chart.models import Consent, Disclosure, Episode, LevelOfCareChange, Patient
from waymark.chart.tests.api_helpers import CONSENT, Api, api_for, problem
from waymark.conftest import World
from waymark.core.models import AuditEvent, Site

NEW_PATIENT = {"mrn": "HR-77", "given_name": "Robin", "family_name": "Okafor", "date_of_birth": "1979-02-11"}
DISCLOSURE = {
    "disclosed_on": "2026-03-01",
    "recipient": "Primary care clinic",
    "description": "Current dose",
    "purpose": "Treatment",
}


def _snapshot() -> tuple[int, ...]:
    return (
        Patient.objects.count(),
        Episode.objects.count(),
        LevelOfCareChange.objects.count(),
        Consent.objects.filter(revoked_on__isnull=False).count(),
        Consent.objects.count(),
        Disclosure.objects.count(),
        AuditEvent.objects.filter(action__in=["create", "update", "revoke"], patient_id__isnull=False).count(),
    )


@contextmanager
def unchanged() -> Iterator[None]:
    """The bad request inside must leave every chart table and the write log as they were."""
    before = _snapshot()
    fields = list(Patient.objects.values())
    yield
    assert _snapshot() == before
    assert list(Patient.objects.values()) == fields


@pytest.fixture
def nothing_saved(world: World) -> Iterator[None]:
    with unchanged():
        yield


def _days(n: int, world: World) -> str:
    return (world.program.clinic_day() + dt.timedelta(days=n)).isoformat()


@pytest.fixture
def admin(world: World) -> Api:
    return api_for(world, "program_admin")


def _create(api: Api, **changes: Any) -> Any:
    return api.post("/patients", {**NEW_PATIENT, **changes})


@pytest.mark.usefixtures("nothing_saved")
class TestPatientValidation:
    def test_it_rejects_future_birth_date(self, world: World, admin: Api) -> None:
        future = _days(30, world)
        body = problem(_create(admin, date_of_birth=future), 422, "date_of_birth")
        assert f"Date of birth {future} is in the future." in str(body["errors"])

    def test_it_rejects_future_birth_date_on_patch(self, world: World, admin: Api) -> None:
        problem(admin.patch(f"/patients/{world.patient.pk}", {"date_of_birth": _days(30, world)}), 422, "date_of_birth")

    def test_it_rejects_birth_date_before_1900(self, admin: Api) -> None:
        problem(_create(admin, date_of_birth="1850-01-01"), 422, "date_of_birth")

    def test_it_rejects_a_duplicate_mrn(self, admin: Api) -> None:
        body = problem(_create(admin, mrn="HR-1"), 422, "mrn")
        assert "HR-1 is already in use" in body["errors"][0]["message"]

    def test_it_rejects_a_duplicate_mrn_on_patch(self, world: World, admin: Api) -> None:
        problem(admin.patch(f"/patients/{world.other_patient.pk}", {"mrn": "HR-1"}), 422, "mrn")

    def test_it_rejects_a_bad_sex_at_birth(self, admin: Api) -> None:
        body = problem(_create(admin, sex_at_birth="F"), 422, "sex_at_birth")
        assert "'female'" in body["errors"][0]["message"]

    def test_it_names_every_missing_field(self, admin: Api) -> None:
        problem(admin.post("/patients", {}), 422, "mrn", "given_name", "family_name", "date_of_birth")

    def test_it_rejects_a_blank_name(self, admin: Api) -> None:
        problem(_create(admin, given_name="   "), 422, "given_name")

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("date_of_birth", "17/05/1988"),
            ("date_of_birth", "yesterday"),
            ("date_of_birth", 19880517),
            ("given_name", 42),
            ("given_name", ["Robin"]),
            ("mrn", "HR 77; DROP"),
            ("phone", "call me"),
            ("email", "not-an-email"),
        ],
    )
    def test_it_rejects_wrong_types_and_formats(self, admin: Api, field: str, value: Any) -> None:
        problem(_create(admin, **{field: value}), 422, field)

    @pytest.mark.parametrize(
        ("field", "limit"),
        [("given_name", 100), ("family_name", 100), ("mrn", 32), ("address", 500), ("pronouns", 40)],
    )
    def test_it_rejects_extra_long_strings(self, admin: Api, field: str, limit: int) -> None:
        body = problem(_create(admin, **{field: "A" * (limit + 1)}), 422, field)
        assert str(limit) in body["errors"][0]["message"]

    def test_it_rejects_unknown_fields(self, world: World, admin: Api) -> None:
        # A typo must not turn into a silent no-op.
        problem(admin.patch(f"/patients/{world.patient.pk}", {"preffered_name": "Dee"}), 422, "preffered_name")

    def test_it_rejects_null_in_a_patch(self, world: World, admin: Api) -> None:
        body = problem(admin.patch(f"/patients/{world.patient.pk}", {"given_name": None}), 422, "given_name")
        assert "null" in body["errors"][0]["message"]

    def test_it_rejects_null_characters(self, admin: Api) -> None:
        problem(_create(admin, family_name="Oka\x00for"), 422, "family_name")

    def test_it_rejects_a_body_that_is_not_json(self, admin: Api) -> None:
        problem(admin.post("/patients", "{not json"), 400)

    def test_it_rejects_an_oversized_body(self, admin: Api, settings) -> None:
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
        problem(_create(admin, address="x" * 20_000), 413)

    def test_it_rejects_a_body_that_is_not_an_object(self, admin: Api) -> None:
        problem(admin.post("/patients", [NEW_PATIENT]), 422)


class TestSearchValidation:
    @pytest.mark.parametrize("page", ["two", 0, -1, 100001, 2.5, None])
    def test_it_rejects_a_bad_page(self, admin: Api, page: Any) -> None:
        problem(admin.post("/patients/search", {"q": "Whitlock", "page": page}), 422, "page")

    def test_it_rejects_a_bad_page_in_the_query_string(self, admin: Api) -> None:
        problem(admin.get("/patients?page=two"), 422, "page")

    def test_it_rejects_an_extra_long_query(self, admin: Api) -> None:
        problem(admin.post("/patients/search", {"q": "x" * 101}), 422, "q")

    def test_it_rejects_a_query_that_is_not_text(self, admin: Api) -> None:
        problem(admin.post("/patients/search", {"q": {"$gt": ""}}), 422, "q")

    def test_it_rejects_a_bad_patient_id(self, admin: Api) -> None:
        problem(admin.get("/patients/abc"), 422, "patient_id")


@pytest.mark.usefixtures("nothing_saved")
class TestEpisodeValidation:
    def _open(self, world: World, api: Api, **changes: Any) -> Any:
        Episode.objects.filter(patient=world.other_patient).delete()
        data = {"admitted_on": "2026-02-02", "level_of_care": "otp", "primary_substance": "heroin", **changes}
        return api.post(f"/patients/{world.other_patient.pk}/episodes", data)

    def test_it_rejects_an_unknown_level_of_care(self, world: World, admin: Api) -> None:
        body = problem(self._open(world, admin, level_of_care="rehab"), 422, "level_of_care")
        assert "'otp'" in body["errors"][0]["message"]

    def test_it_rejects_an_admission_in_the_future(self, world: World, admin: Api) -> None:
        future = _days(3, world)
        body = problem(self._open(world, admin, admitted_on=future), 422, "admitted_on")
        assert f"Admission date {future} is in the future." in body["errors"][0]["message"]

    def test_it_rejects_an_admission_before_birth(self, world: World, admin: Api) -> None:
        problem(self._open(world, admin, admitted_on="1970-01-01"), 422, "admitted_on")

    def test_it_rejects_a_second_open_episode(self, world: World, admin: Api) -> None:
        data = {"admitted_on": "2026-02-02", "level_of_care": "otp", "primary_substance": "heroin"}
        body = problem(admin.post(f"/patients/{world.patient.pk}/episodes", data), 422)
        assert "already has an open episode" in body["errors"][0]["message"]

    def test_it_rejects_another_programs_site(self, world: World, admin: Api) -> None:
        site = Site.objects.create(program=world.outsider_program, name="Elsewhere annex")
        problem(self._open(world, admin, site_id=site.pk), 422, "site_id")

    @pytest.mark.parametrize("severity", ["extreme", 3])
    def test_it_rejects_an_unknown_severity(self, world: World, admin: Api, severity: Any) -> None:
        problem(self._open(world, admin, severity=severity), 422, "severity")

    def test_it_rejects_discharge_before_admission(self, world: World, admin: Api) -> None:
        episode = world.patient.episodes.get()
        response = admin.patch(
            f"/patients/{world.patient.pk}/episodes/{episode.pk}",
            {"discharged_on": "2026-01-04", "discharge_reason": "completed"},
        )
        body = problem(response, 422, "discharged_on")
        assert "before the admission date" in body["errors"][0]["message"]

    def test_it_rejects_discharge_in_the_future(self, world: World, admin: Api) -> None:
        episode = world.patient.episodes.get()
        response = admin.patch(
            f"/patients/{world.patient.pk}/episodes/{episode.pk}",
            {"discharged_on": _days(2, world), "discharge_reason": "completed"},
        )
        problem(response, 422, "discharged_on")

    def test_it_rejects_discharge_without_a_reason(self, world: World, admin: Api) -> None:
        episode = world.patient.episodes.get()
        response = admin.patch(f"/patients/{world.patient.pk}/episodes/{episode.pk}", {"discharged_on": "2026-03-01"})
        problem(response, 422, "discharge_reason")

    @pytest.mark.parametrize("change", [{"level_changed_on": "2026-03-01"}, {"level_change_reason": "Stepping down"}])
    def test_it_rejects_level_change_details_without_a_new_level(
        self, world: World, admin: Api, change: dict[str, str]
    ) -> None:
        episode = world.patient.episodes.get()
        response = admin.patch(f"/patients/{world.patient.pk}/episodes/{episode.pk}", change)
        problem(response, 422, *change)

    def test_it_rejects_a_level_change_dated_before_admission(self, world: World, admin: Api) -> None:
        episode = world.patient.episodes.get()
        response = admin.patch(
            f"/patients/{world.patient.pk}/episodes/{episode.pk}",
            {"level_of_care": "intensive_outpatient", "level_changed_on": "2025-12-01"},
        )
        problem(response, 422, "level_changed_on")
        episode.refresh_from_db()
        assert episode.level_of_care == "otp"


@pytest.mark.usefixtures("nothing_saved")
class TestConsentValidation:
    def _record(self, world: World, api: Api, **changes: Any) -> Any:
        data = {k: v for k, v in {**CONSENT, **changes}.items() if v is not ...}
        return api.post(f"/patients/{world.patient.pk}/consents", data)

    def test_it_requires_the_right_to_revoke_to_be_stated(self, world: World, admin: Api) -> None:
        problem(self._record(world, admin, right_to_revoke_explained=...), 422, "right_to_revoke_explained")

    def test_it_rejects_a_consent_without_the_right_to_revoke_explained(self, world: World, admin: Api) -> None:
        body = problem(self._record(world, admin, right_to_revoke_explained=False), 422, "right_to_revoke_explained")
        assert "42 CFR 2.31" in body["errors"][0]["message"]

    def test_it_rejects_an_expiry_before_signing(self, world: World, admin: Api) -> None:
        response = self._record(world, admin, signed_on="2026-02-01", expires_on="2026-01-31")
        body = problem(response, 422, "expires_on")
        assert "before the date signed" in body["errors"][0]["message"]

    def test_it_requires_the_expiry_date_for_a_dated_expiry(self, world: World, admin: Api) -> None:
        problem(self._record(world, admin, expires_on=None), 422, "expires_on")

    @pytest.mark.parametrize("kind", ["specific", "counselling_notes"])
    def test_it_rejects_no_expiry_for_a_non_tpo_consent(self, world: World, admin: Api, kind: str) -> None:
        response = self._record(world, admin, kind=kind, expiry_kind="none", expires_on=None)
        problem(response, 422, "expiry_kind")

    def test_it_rejects_signing_in_the_future(self, world: World, admin: Api) -> None:
        response = self._record(world, admin, signed_on=_days(5, world), expires_on=_days(40, world))
        problem(response, 422, "signed_on")

    @pytest.mark.parametrize(
        ("field", "value"),
        [("kind", "blanket"), ("expiry_kind", "never"), ("right_to_revoke_explained", "maybe"), ("signed_on", "soon")],
    )
    def test_it_rejects_wrong_values(self, world: World, admin: Api, field: str, value: Any) -> None:
        problem(self._record(world, admin, **{field: value}), 422, field)

    def test_it_rejects_an_extra_long_recipient_list(self, world: World, admin: Api) -> None:
        problem(self._record(world, admin, recipients="Clinic, " * 300), 422, "recipients")

    def test_it_rejects_a_revocation_in_the_future(self, world: World, admin: Api) -> None:
        consent = world.patient.consents.get()
        response = admin.post(
            f"/patients/{world.patient.pk}/consents/{consent.pk}/revoke",
            {"revoked_on": _days(1, world), "note": "Signed revocation form"},
        )
        problem(response, 422, "revoked_on")

    def test_it_rejects_a_revocation_before_signing(self, world: World, admin: Api) -> None:
        consent = world.patient.consents.get()
        response = admin.post(
            f"/patients/{world.patient.pk}/consents/{consent.pk}/revoke",
            {"revoked_on": "2025-12-31", "note": "Signed revocation form"},
        )
        problem(response, 422, "revoked_on")

    def test_it_requires_a_revocation_note(self, world: World, admin: Api) -> None:
        consent = world.patient.consents.get()
        response = admin.post(
            f"/patients/{world.patient.pk}/consents/{consent.pk}/revoke", {"revoked_on": "2026-02-01", "note": "  "}
        )
        problem(response, 422, "note")


@pytest.mark.usefixtures("nothing_saved")
class TestDisclosureValidation:
    def test_it_rejects_a_disclosure_before_the_consent_was_signed(self, world: World, admin: Api) -> None:
        consent = world.patient.consents.get()
        response = admin.post(
            f"/patients/{world.patient.pk}/disclosures",
            {**DISCLOSURE, "disclosed_on": "2026-01-02", "consent_id": consent.pk},
        )
        problem(response, 422, "consent_id")

    def test_it_rejects_another_patients_consent(self, world: World, admin: Api) -> None:
        consent = world.patient.consents.get()
        response = admin.post(
            f"/patients/{world.other_patient.pk}/disclosures", {**DISCLOSURE, "consent_id": consent.pk}
        )
        problem(response, 422, "consent_id")

    def test_it_rejects_a_disclosure_in_the_future(self, world: World, admin: Api) -> None:
        response = admin.post(
            f"/patients/{world.patient.pk}/disclosures", {**DISCLOSURE, "disclosed_on": _days(1, world)}
        )
        problem(response, 422, "disclosed_on")

    @pytest.mark.parametrize("consent_id", ["first", 0, 2**63, 1.5])
    def test_it_rejects_a_bad_consent_id(self, world: World, admin: Api, consent_id: Any) -> None:
        response = admin.post(f"/patients/{world.patient.pk}/disclosures", {**DISCLOSURE, "consent_id": consent_id})
        problem(response, 422, "consent_id")

    def test_it_rejects_an_extra_long_recipient(self, world: World, admin: Api) -> None:
        response = admin.post(f"/patients/{world.patient.pk}/disclosures", {**DISCLOSURE, "recipient": "R" * 201})
        problem(response, 422, "recipient")


class TestValidationAgainstEarlierRecords:
    """Rules that depend on what is already on the chart; the setup writes, the request must not."""

    def test_it_rejects_reopening_while_another_episode_is_open(self, world: World, admin: Api) -> None:
        first = world.patient.episodes.get()
        Episode.objects.filter(pk=first.pk).update(discharged_on=dt.date(2026, 1, 20), discharge_reason="transferred")
        Episode.objects.create(
            patient=world.patient, admitted_on=dt.date(2026, 2, 1), level_of_care="otp", primary_substance="heroin"
        )
        with unchanged():
            response = admin.patch(f"/patients/{world.patient.pk}/episodes/{first.pk}", {"discharged_on": None})
        problem(response, 422, "discharged_on")
        first.refresh_from_db()
        assert first.discharged_on == dt.date(2026, 1, 20)

    def test_it_rejects_revoking_twice(self, world: World, admin: Api) -> None:
        consent = world.patient.consents.get()
        Consent.objects.filter(pk=consent.pk).update(revoked_on=dt.date(2026, 2, 1), revocation_note="Form")
        with unchanged():
            response = admin.post(
                f"/patients/{world.patient.pk}/consents/{consent.pk}/revoke",
                {"revoked_on": "2026-02-03", "note": "Signed revocation form"},
            )
        body = problem(response, 422)
        assert "already revoked on 2026-02-01" in body["errors"][0]["message"]

    def test_it_rejects_a_disclosure_under_a_revoked_consent(self, world: World, admin: Api) -> None:
        consent = world.patient.consents.get()
        Consent.objects.filter(pk=consent.pk).update(revoked_on=dt.date(2026, 2, 1), revocation_note="Form")
        with unchanged():
            response = admin.post(f"/patients/{world.patient.pk}/disclosures", {**DISCLOSURE, "consent_id": consent.pk})
        body = problem(response, 422, "consent_id")
        assert "revoked on 2026-03-01" in body["errors"][0]["message"]
