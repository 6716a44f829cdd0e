"""Listings a program manages: finding, claiming, editing, and the verifier's review, verification and
advertiser label. Deny by default, errors by the field with nothing saved, an audit row for every write,
and none of the labels moving a listing in search results."""

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from waymark.conftest import World, make_user, sign_in
from waymark.core.models import AuditEvent, Program, User
from waymark.core.roles import Role
from waymark.directory import search, services, zips
from waymark.directory.models import Facility, FacilityClaim
from waymark.directory.tests.helpers import make_facility, miles_north

EVIDENCE = "State licence SUD-12345; call the front desk at 207-555-0100 and ask for the director."


@pytest.fixture
def verifier(world: World) -> User:
    """The instance's operator: a program admin marked is_superuser (createadmin --directory-verifier), in a
    program of its own so that it can decide every other program's claims."""
    user = make_user(Program.objects.create(name="Directory operations"), Role.PROGRAM_ADMIN, "operator")
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    return user


@pytest.fixture
def facility(db: None) -> Facility:
    return make_facility("Harbor Street Clinic", at="04101", city="Portland", state="ME", phone="207-555-0199")


@pytest.fixture
def admin(world: World) -> User:
    return world.user("program_admin")


@pytest.fixture
def other_admin(world: World) -> User:
    return world.outsider_staff[Role.PROGRAM_ADMIN]


def client_of(user: User) -> Client:
    return sign_in(Client(), user)


def managed(facility: Facility, admin: User, verifier: User) -> Facility:
    """The listing claimed by the admin's program and approved."""
    claim = services.do_request_claim(admin, facility, EVIDENCE)
    services.do_decide_claim(verifier, claim, approve=True)
    facility.refresh_from_db()
    return facility


def audits(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def contact(facility: Facility, **changes: str) -> dict[str, str]:
    data = {f: getattr(facility, f) for f in services.EDITABLE}
    return {**data, **changes}


# --- Finding listings ------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestListingSearch:
    def test_it_finds_listings_by_name_city_and_state(self, world: World, admin: User, facility: Facility) -> None:
        make_facility("Harbor House", at="10001", city="New York", state="NY")
        client = client_of(admin)
        page = client.get(reverse("directory:listings"), {"q": "harbor clinic"})
        assert page.status_code == 200
        assert [f.pk for f in page.context["results"]] == [facility.pk]
        page = client.get(reverse("directory:listings"), {"city": "portland", "state": "me"})
        assert [f.name for f in page.context["results"]] == ["Harbor Street Clinic"]
        page = client.get(reverse("directory:listings"), {"state": "NY"})
        assert [f.name for f in page.context["results"]] == ["Harbor House"]

    def test_it_asks_for_something_to_search_by(self, admin: User) -> None:
        page = client_of(admin).get(reverse("directory:listings"), {"q": " ", "state": ""})
        assert page.status_code == 422
        assert "Enter a name, a city or a state to search." in page.content.decode()

    def test_it_names_a_bad_state(self, admin: User) -> None:
        page = client_of(admin).get(reverse("directory:listings"), {"state": "Maine"})
        assert page.status_code == 422
        assert page.context["form"].errors["state"]

    def test_it_opens_without_a_search(self, admin: User) -> None:
        page = client_of(admin).get(reverse("directory:listings"))
        assert page.status_code == 200
        assert page.context["results"] is None

    def test_its_query_count_does_not_grow_with_results(
        self, admin: User, verifier: User, django_assert_max_num_queries: object
    ) -> None:
        for n in range(12):
            f = make_facility(f"Harbor {n}", at="04101", city="Portland", state="ME")
            if n % 3 == 0:
                managed(f, admin, verifier)
        client = client_of(admin)
        with django_assert_max_num_queries(12):  # type: ignore[operator]
            page = client.get(reverse("directory:listings"), {"q": "harbor"})
        assert len(page.context["results"]) == 12

    @pytest.mark.parametrize("role", ["patient", "counsellor", "nurse", "prescriber", "privacy_officer"])
    def test_it_denies_other_roles(self, world: World, role: str) -> None:
        assert client_of(world.user(role)).get(reverse("directory:listings")).status_code == 403

    def test_it_sends_the_anonymous_to_sign_in(self, db: None) -> None:
        response = Client().get(reverse("directory:listings"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_the_nav_shows_our_listing_to_program_admins_only(self, world: World, admin: User) -> None:
        assert "Our listing" in client_of(admin).get(reverse("home")).content.decode()
        assert "Our listing" not in client_of(world.user("nurse")).get(reverse("home")).content.decode()


# --- Claiming ------------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestClaim:
    def test_it_records_a_pending_claim(self, world: World, admin: User, facility: Facility) -> None:
        client = client_of(admin)
        response = client.post(reverse("directory:listing_claim", args=[facility.pk]), {"evidence": EVIDENCE})
        assert response.status_code == 302
        claim = FacilityClaim.objects.get()
        assert (claim.facility, claim.program, claim.requested_by, claim.status) == (
            facility,
            world.program,
            admin,
            "pending",
        )
        assert claim.evidence == EVIDENCE
        [event] = audits("listing_claim_request")
        assert (event.object_type, event.object_id, event.program_id) == (
            "facilityclaim",
            str(claim.pk),
            world.program.pk,
        )
        facility.refresh_from_db()
        assert facility.claimed_by is None  # not until a verifier approves

    def test_the_program_sees_its_claims_status(self, admin: User, facility: Facility) -> None:
        services.do_request_claim(admin, facility, EVIDENCE)
        client = client_of(admin)
        assert "Waiting for review" in client.get(reverse("directory:listings")).content.decode()
        page = client.get(reverse("directory:listing", args=[facility.pk])).content.decode()
        assert "waiting for review" in page
        assert "Claim this listing</button>" not in page

    def test_it_refuses_a_second_pending_claim(self, admin: User, facility: Facility) -> None:
        services.do_request_claim(admin, facility, EVIDENCE)
        response = client_of(admin).post(
            reverse("directory:listing_claim", args=[facility.pk]), {"evidence": EVIDENCE + " Again."}
        )
        assert response.status_code == 422
        assert "waiting for review already" in response.content.decode()
        assert FacilityClaim.objects.count() == 1
        assert len(audits("listing_claim_request")) == 1

    def test_another_program_may_claim_the_same_listing(
        self, admin: User, other_admin: User, facility: Facility
    ) -> None:
        services.do_request_claim(admin, facility, EVIDENCE)
        services.do_request_claim(other_admin, facility, EVIDENCE)
        assert FacilityClaim.objects.filter(status="pending").count() == 2

    def test_it_refuses_a_claim_on_a_listing_the_program_manages(
        self, admin: User, verifier: User, facility: Facility
    ) -> None:
        managed(facility, admin, verifier)
        with pytest.raises(ValidationError, match="manages this listing already"):
            services.do_request_claim(admin, facility, EVIDENCE)

    def test_it_may_claim_again_after_a_rejection(self, admin: User, verifier: User, facility: Facility) -> None:
        first = services.do_request_claim(admin, facility, EVIDENCE)
        services.do_decide_claim(verifier, first, approve=False, note="No licence found under that number.")
        services.do_request_claim(admin, facility, EVIDENCE + " Licence renewed 2026.")
        assert list(FacilityClaim.objects.order_by("pk").values_list("status", flat=True)) == ["rejected", "pending"]

    @pytest.mark.parametrize("evidence", ["", "   ", "it is ours"])
    def test_it_asks_for_evidence_and_saves_nothing(self, admin: User, facility: Facility, evidence: str) -> None:
        response = client_of(admin).post(reverse("directory:listing_claim", args=[facility.pk]), {"evidence": evidence})
        assert response.status_code == 422
        assert response.context["claim_form"].errors["evidence"]
        assert not FacilityClaim.objects.exists()
        assert not audits("listing_claim_request")

    def test_it_refuses_overlong_evidence(self, admin: User, facility: Facility) -> None:
        with pytest.raises(ValidationError, match="2000 characters"):
            services.do_request_claim(admin, facility, "x" * 2001)

    @pytest.mark.parametrize("role", ["nurse", "counsellor", "prescriber", "patient"])
    def test_it_denies_roles_without_the_capability(self, world: World, facility: Facility, role: str) -> None:
        response = client_of(world.user(role)).post(
            reverse("directory:listing_claim", args=[facility.pk]), {"evidence": EVIDENCE}
        )
        assert response.status_code == 403
        assert not FacilityClaim.objects.exists()
        with pytest.raises(PermissionDenied):
            services.do_request_claim(world.user(role), facility, EVIDENCE)

    def test_it_answers_404_for_an_unknown_listing(self, admin: User) -> None:
        response = client_of(admin).post(reverse("directory:listing_claim", args=[999999]), {"evidence": EVIDENCE})
        assert response.status_code == 404


# --- Deciding claims ---------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestDecideClaim:
    def decide(self, user: User, claim: FacilityClaim, decision: str, note: str = "") -> Any:
        prefix = f"claim{claim.pk}"
        return client_of(user).post(
            reverse("directory:claim_decide", args=[claim.pk]),
            {f"{prefix}-decision": decision, f"{prefix}-note": note},
        )

    def test_the_queue_shows_pending_claims_oldest_first(
        self, admin: User, other_admin: User, verifier: User, facility: Facility
    ) -> None:
        first = services.do_request_claim(admin, facility, EVIDENCE)
        second = services.do_request_claim(other_admin, facility, EVIDENCE)
        page = client_of(verifier).get(reverse("directory:claims"))
        assert page.status_code == 200
        assert [c.pk for c in page.context["pending"]] == [first.pk, second.pk]
        assert EVIDENCE in page.content.decode()

    def test_approving_gives_the_program_the_listing(
        self, world: World, admin: User, verifier: User, facility: Facility
    ) -> None:
        claim = services.do_request_claim(admin, facility, EVIDENCE)
        response = self.decide(verifier, claim, "approve")
        assert response.status_code == 302
        claim.refresh_from_db()
        facility.refresh_from_db()
        assert (claim.status, claim.decided_by) == ("approved", verifier)
        assert facility.claimed_by == world.program
        assert facility.claimed_at is not None
        assert [e.object_id for e in audits("listing_claim_approve")] == [str(claim.pk)]
        [claimed] = audits("listing_claimed")
        assert (claimed.object_type, claimed.object_id, claimed.actor) == ("facility", str(facility.pk), verifier)

    def test_a_verifier_does_not_decide_their_own_programs_claim(self, world: World, facility: Facility) -> None:
        own_verifier = world.user("program_admin")
        own_verifier.is_superuser = True
        own_verifier.save(update_fields=["is_superuser"])
        claim = services.do_request_claim(own_verifier, facility, EVIDENCE)
        response = self.decide(own_verifier, claim, "approve")
        assert response.status_code == 422
        assert "another directory verifier decides it" in response.content.decode()
        claim.refresh_from_db()
        facility.refresh_from_db()
        assert (claim.status, facility.claimed_by) == ("pending", None)
        assert not audits("listing_claim_approve")

    def test_approving_a_second_program_moves_the_listing(
        self, world: World, admin: User, other_admin: User, verifier: User, facility: Facility
    ) -> None:
        managed(facility, admin, verifier)
        claim = services.do_request_claim(other_admin, facility, EVIDENCE)
        assert "approving moves the listing" in client_of(verifier).get(reverse("directory:claims")).content.decode()
        services.do_decide_claim(verifier, claim, approve=True)
        facility.refresh_from_db()
        assert facility.claimed_by == world.outsider_program
        assert f"in place of program {world.program.pk}" in audits("listing_claimed")[-1].reason

    def test_rejecting_needs_a_note_and_saves_nothing_without_one(
        self, admin: User, verifier: User, facility: Facility
    ) -> None:
        claim = services.do_request_claim(admin, facility, EVIDENCE)
        response = self.decide(verifier, claim, "reject")
        assert response.status_code == 422
        assert "Say why the claim is not approved" in response.content.decode()
        claim.refresh_from_db()
        assert claim.status == "pending"
        assert not audits("listing_claim_reject")

    def test_a_rejection_shows_its_note_to_the_program(self, admin: User, verifier: User, facility: Facility) -> None:
        claim = services.do_request_claim(admin, facility, EVIDENCE)
        assert self.decide(verifier, claim, "reject", "No licence under that number.").status_code == 302
        claim.refresh_from_db()
        facility.refresh_from_db()
        assert (claim.status, claim.decision_note) == ("rejected", "No licence under that number.")
        assert facility.claimed_by is None
        assert len(audits("listing_claim_reject")) == 1
        page = client_of(admin).get(reverse("directory:listings")).content.decode()
        assert "Not approved" in page and "No licence under that number." in page

    def test_a_decided_claim_is_not_decided_again(self, admin: User, verifier: User, facility: Facility) -> None:
        claim = services.do_request_claim(admin, facility, EVIDENCE)
        services.do_decide_claim(verifier, claim, approve=False, note="Wrong facility.")
        response = self.decide(verifier, claim, "approve")
        assert response.status_code == 422
        assert "decided already" in response.content.decode()
        facility.refresh_from_db()
        assert facility.claimed_by is None

    def test_it_needs_a_decision(self, admin: User, verifier: User, facility: Facility) -> None:
        claim = services.do_request_claim(admin, facility, EVIDENCE)
        assert self.decide(verifier, claim, "maybe").status_code == 422
        claim.refresh_from_db()
        assert claim.status == "pending"

    @pytest.mark.parametrize("role", ["program_admin", "nurse", "counsellor", "privacy_officer"])
    def test_it_denies_everyone_but_verifiers(self, world: World, admin: User, facility: Facility, role: str) -> None:
        claim = services.do_request_claim(admin, facility, EVIDENCE)
        assert client_of(world.user(role)).get(reverse("directory:claims")).status_code == 403
        assert self.decide(world.user(role), claim, "approve").status_code == 403
        with pytest.raises(PermissionDenied):
            services.do_decide_claim(world.user(role), claim, approve=True)
        claim.refresh_from_db()
        assert claim.status == "pending"

    def test_a_disabled_verifier_is_not_a_verifier(self, verifier: User) -> None:
        verifier.is_active = False
        assert not services.can_verify(verifier)

    def test_a_superuser_patient_account_is_not_a_verifier(self, world: World) -> None:
        patient = world.user("patient")
        patient.is_superuser = True
        assert not services.can_verify(patient)  # patients do not pass MFA at sign-in


# --- Editing contact details --------------------------------------------------------------------------------


@pytest.mark.django_db
class TestEditListing:
    def test_it_saves_the_changed_fields_normalised(self, admin: User, verifier: User, facility: Facility) -> None:
        managed(facility, admin, verifier)
        data = contact(facility, phone="(207) 555-0123 ext. 4", intake1="1-800-662-HELP", website="harbor.example.org")
        response = client_of(admin).post(reverse("directory:listing_edit", args=[facility.pk]), data)
        assert response.status_code == 302
        facility.refresh_from_db()
        assert facility.phone == "207-555-0123 x4"
        assert facility.intake1 == "800-662-4357"
        assert facility.website == "https://harbor.example.org"
        assert facility.locally_edited == ["intake1", "phone", "website"]

    def test_it_audits_field_names_not_values(self, admin: User, verifier: User, facility: Facility) -> None:
        managed(facility, admin, verifier)
        services.do_edit_listing(admin, facility, services.ContactDetails(phone="207-555-0123", intake2="207 555 0124"))
        [event] = audits("listing_edit")
        assert (event.object_type, event.object_id, event.actor) == ("facility", str(facility.pk), admin)
        assert event.program_id == admin.program_id
        assert event.reason == "changed: phone, intake2"
        assert "555" not in event.reason

    def test_locally_edited_grows_and_keeps_earlier_fields(
        self, admin: User, verifier: User, facility: Facility
    ) -> None:
        managed(facility, admin, verifier)
        services.do_edit_listing(admin, facility, services.ContactDetails(phone="207-555-0123"))
        services.do_edit_listing(
            admin, facility, services.ContactDetails(phone="207-555-0123", name_detail="Outpatient clinic")
        )
        facility.refresh_from_db()
        assert facility.locally_edited == ["name_detail", "phone"]

    def test_saving_nothing_changed_writes_nothing(self, admin: User, verifier: User, facility: Facility) -> None:
        managed(facility, admin, verifier)
        response = client_of(admin).post(reverse("directory:listing_edit", args=[facility.pk]), contact(facility))
        assert response.status_code == 302
        facility.refresh_from_db()
        assert facility.locally_edited == []
        assert not audits("listing_edit")

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("phone", "555-0123", "7 digits"),
            ("phone", "call us", "is not a phone number"),
            ("phone", "207-555-01000", "has 11 digits"),
            ("intake1", "(012) 555-0123", "do not start with 0 or 1"),
            ("intake2", "207-555-0123; 207-555-0124", "is not a phone number"),
            ("website", "http://harbor.example.org", "https://"),
            ("website", "javascript:alert(1)", "https://"),
            ("website", "https://not a site", "is not a web address"),
            ("website", "https://user:pw@harbor.example.org", "user names and passwords"),
            ("name_detail", "x" * 201, "200 characters"),
            ("website", "data:text/html,<script>alert(1)</script>", "is not a web address"),
            ("website", "JAVASCRIPT://harbor.example.org/%0aalert(1)", "https://"),
            ("website", "https://harbor.example.org/" + "x" * 300, "300 characters"),
        ],
    )
    def test_it_refuses_bad_input_by_the_field_and_saves_nothing(
        self, admin: User, verifier: User, facility: Facility, field: str, value: str, message: str
    ) -> None:
        managed(facility, admin, verifier)
        data = contact(facility, **{"phone": "207-555-0123", field: value})
        response = client_of(admin).post(reverse("directory:listing_edit", args=[facility.pk]), data)
        assert response.status_code == 422
        errors = response.context["form"].errors[field]
        assert any(message in e for e in errors), errors
        before = facility.phone
        facility.refresh_from_db()
        assert (facility.phone, facility.locally_edited) == (before, [])
        assert not audits("listing_edit")

    @pytest.mark.parametrize("field", ["phone", "intake1", "website"])
    def test_an_over_long_entry_is_refused_with_a_short_message(
        self, admin: User, verifier: User, facility: Facility, field: str
    ) -> None:
        managed(facility, admin, verifier)
        value = "2" * 5000 if field != "website" else "https://" + "x" * 5000
        data = contact(facility, **{"phone": "207-555-0123", field: value})
        response = client_of(admin).post(reverse("directory:listing_edit", args=[facility.pk]), data)
        assert response.status_code == 422
        [error] = response.context["form"].errors[field]
        assert len(error) < 200, error  # what was typed is not echoed in full
        facility.refresh_from_db()
        assert facility.locally_edited == []

    def test_it_needs_one_phone_number(self, admin: User, verifier: User, facility: Facility) -> None:
        managed(facility, admin, verifier)
        data = contact(facility, phone="", intake1="", intake2="")
        response = client_of(admin).post(reverse("directory:listing_edit", args=[facility.pk]), data)
        assert response.status_code == 422
        assert "at least one phone number" in response.content.decode()

    def test_it_shows_the_form_to_the_managing_program(self, admin: User, verifier: User, facility: Facility) -> None:
        managed(facility, admin, verifier)
        page = client_of(admin).get(reverse("directory:listing_edit", args=[facility.pk]))
        assert page.status_code == 200
        assert page.context["form"].initial["phone"] == "207-555-0199"
        detail = client_of(admin).get(reverse("directory:listing", args=[facility.pk])).content.decode()
        assert "Edit contact details" in detail

    def test_it_denies_another_programs_admin(
        self, admin: User, other_admin: User, verifier: User, facility: Facility
    ) -> None:
        managed(facility, admin, verifier)
        url = reverse("directory:listing_edit", args=[facility.pk])
        client = client_of(other_admin)
        assert client.get(url).status_code == 403
        assert client.post(url, contact(facility, phone="207-555-0111")).status_code == 403
        facility.refresh_from_db()
        assert facility.phone == "207-555-0199"
        with pytest.raises(PermissionDenied):
            services.do_edit_listing(other_admin, facility, services.ContactDetails(phone="207-555-0111"))

    def test_it_denies_a_claim_still_waiting(self, admin: User, facility: Facility) -> None:
        services.do_request_claim(admin, facility, EVIDENCE)
        assert client_of(admin).get(reverse("directory:listing_edit", args=[facility.pk])).status_code == 403

    def test_a_verifier_does_not_edit_listings(self, verifier: User, facility: Facility) -> None:
        assert client_of(verifier).get(reverse("directory:listing_edit", args=[facility.pk])).status_code == 403

    @pytest.mark.parametrize("role", ["nurse", "counsellor", "prescriber", "patient"])
    def test_it_denies_other_roles(
        self, world: World, admin: User, verifier: User, facility: Facility, role: str
    ) -> None:
        managed(facility, admin, verifier)
        url = reverse("directory:listing_edit", args=[facility.pk])
        assert client_of(world.user(role)).post(url, contact(facility, phone="207-555-0111")).status_code == 403

    def test_the_anonymous_are_sent_to_sign_in(self, facility: Facility) -> None:
        response = Client().get(reverse("directory:listing_edit", args=[facility.pk]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- Verification and the advertiser label ----------------------------------------------------------------


@pytest.mark.django_db
class TestVerify:
    def test_it_marks_the_listing_verified(self, world: World, verifier: User, facility: Facility) -> None:
        today = verifier.staff_program.clinic_day()
        response = client_of(verifier).post(
            reverse("directory:listing_verify", args=[facility.pk]),
            {"what": "address, phone and services, by phone", "on": today.isoformat()},
        )
        assert response.status_code == 302
        facility.refresh_from_db()
        assert (facility.verified, facility.verified_what, facility.verified_on, facility.verified_by) == (
            True,
            "address, phone and services, by phone",
            today,
            verifier,
        )
        [event] = audits("listing_verify")
        assert (event.object_type, event.object_id) == ("facility", str(facility.pk))

    def test_it_refuses_a_date_in_the_future(self, verifier: User, facility: Facility) -> None:
        tomorrow = verifier.staff_program.clinic_day() + dt.timedelta(days=1)
        response = client_of(verifier).post(
            reverse("directory:listing_verify", args=[facility.pk]), {"what": "phone", "on": tomorrow.isoformat()}
        )
        assert response.status_code == 422
        assert "is in the future" in " ".join(response.context["verify_form"].errors["on"])
        facility.refresh_from_db()
        assert not facility.verified
        assert not audits("listing_verify")

    @pytest.mark.parametrize(("data", "field"), [({"what": "", "on": "2026-01-05"}, "what"), ({"what": "x"}, "on")])
    def test_it_needs_what_and_when(self, verifier: User, facility: Facility, data: dict, field: str) -> None:
        response = client_of(verifier).post(reverse("directory:listing_verify", args=[facility.pk]), data)
        assert response.status_code == 422
        assert response.context["verify_form"].errors[field]
        facility.refresh_from_db()
        assert not facility.verified

    def test_it_refuses_a_date_long_ago(self, verifier: User, facility: Facility) -> None:
        with pytest.raises(ValidationError, match="too long ago"):
            services.do_verify_listing(verifier, facility, what="phone", on=dt.date(1999, 12, 31))

    def test_it_takes_the_label_off_with_a_reason(self, verifier: User, facility: Facility) -> None:
        services.do_verify_listing(verifier, facility, what="phone", on=dt.date(2026, 1, 5))
        url = reverse("directory:listing_unverify", args=[facility.pk])
        client = client_of(verifier)
        assert client.post(url, {"reason": ""}).status_code == 422
        facility.refresh_from_db()
        assert facility.verified
        assert client.post(url, {"reason": "The phone number is disconnected."}).status_code == 302
        facility.refresh_from_db()
        assert (facility.verified, facility.verified_on, facility.verified_by) == (False, None, None)
        assert audits("listing_unverify")[0].reason == "The phone number is disconnected."

    @pytest.mark.parametrize("role", ["program_admin", "nurse", "privacy_officer"])
    def test_it_denies_everyone_but_verifiers(self, world: World, facility: Facility, role: str) -> None:
        client = client_of(world.user(role))
        response = client.post(
            reverse("directory:listing_verify", args=[facility.pk]), {"what": "x", "on": "2026-01-05"}
        )
        assert response.status_code == 403
        assert (
            client.post(reverse("directory:listing_advertiser", args=[facility.pk]), {"advertiser": "1"}).status_code
            == 403
        )
        facility.refresh_from_db()
        assert not facility.verified and not facility.advertiser

    def test_the_program_admin_sees_no_verifier_forms(self, admin: User, facility: Facility) -> None:
        page = client_of(admin).get(reverse("directory:listing", args=[facility.pk])).content.decode()
        assert "Mark verified" not in page and "Advertiser label" not in page


@pytest.mark.django_db
class TestAdvertiser:
    def test_it_turns_the_label_on_and_off(self, verifier: User, facility: Facility) -> None:
        client = client_of(verifier)
        url = reverse("directory:listing_advertiser", args=[facility.pk])
        assert client.post(url, {"advertiser": "1"}).status_code == 302
        facility.refresh_from_db()
        assert facility.advertiser
        assert client.post(url, {"advertiser": "1"}).status_code == 302  # already on: nothing written
        assert client.post(url, {"advertiser": "0"}).status_code == 302
        facility.refresh_from_db()
        assert not facility.advertiser
        assert [len(audits("listing_advertiser_on")), len(audits("listing_advertiser_off"))] == [1, 1]

    def test_it_ignores_a_value_that_is_not_on_or_off(self, verifier: User, facility: Facility) -> None:
        client_of(verifier).post(reverse("directory:listing_advertiser", args=[facility.pk]), {"advertiser": "yes"})
        facility.refresh_from_db()
        assert not facility.advertiser
        assert not audits("listing_advertiser_on")


@pytest.mark.django_db
class TestLabelsNeverChangeTheOrder:
    def test_flags_on_the_farther_listing_do_not_move_it_ahead(self, world: World, admin: User, verifier: User) -> None:
        origin = zips.centroid("10001")
        assert origin is not None
        near = make_facility("Near", at=miles_north(origin, 2), codes="SA OTP MM")
        far = make_facility("Far", at=miles_north(origin, 9), codes="SA OTP MM")
        managed(far, admin, verifier)
        services.do_verify_listing(verifier, far, what="phone", on=dt.date(2026, 1, 5))
        services.do_set_advertiser(verifier, far, True)
        far.refresh_from_db()
        assert far.claimed_by and far.verified and far.advertiser
        query = search.parse_query({"near": ["10001"], "services": ["methadone"]})
        assert [r.facility.pk for r in search.search(query)] == [near.pk, far.pk]


# --- The import keeps what a program set ---------------------------------------------------------------------

HEADER = (
    "facility_id,directory_type,name1,name2,street1,street2,city,state,zip,phone,intake1,intake2,intake1a,intake2a,"
    "service_code_info"
)


def write_directory(folder: Path, phone: str, intake1: str, city: str) -> Path:
    row = {
        "facility_id": "sub_1",
        "directory_type": "substance",
        "name1": "Harbor Street Clinic",
        "street1": "1 Harbor St",
        "city": city,
        "state": "ME",
        "zip": "4101",  # as the national file writes 04101
        "phone": phone,
        "intake1": intake1,
        "service_code_info": "SA * OP",
    }
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADER.split(","), restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerow(row)
    path = folder / "facilities.csv"
    path.write_text(out.getvalue())
    key = "directory_type,code,label\nsubstance,SA,Substance use treatment\nsubstance,OP,Outpatient\n"
    (folder / "service_definitions.csv").write_text(key)
    return path


@pytest.mark.django_db
class TestReimportKeepsLocalEdits:
    def test_a_new_import_keeps_the_programs_fields_and_updates_the_rest(
        self, tmp_path: Path, admin: User, verifier: User
    ) -> None:
        importer = pytest.importorskip("waymark.directory.importer")
        importer.do_import_directory(
            write_directory(tmp_path, "207-555-0100", "207-555-0101", "Portland"), as_of=dt.date(2026, 1, 1)
        )
        facility = Facility.objects.get(source_id="sub_1")
        managed(facility, admin, verifier)
        services.do_edit_listing(admin, facility, services.ContactDetails(phone="207-555-0199", intake1="207-555-0101"))
        report = importer.do_import_directory(
            write_directory(tmp_path, "207-555-0111", "207-555-0112", "South Portland"), as_of=dt.date(2026, 2, 1)
        )
        assert report.updated == 1
        facility.refresh_from_db()
        assert facility.phone == "207-555-0199"  # the program's
        assert facility.intake1 == "207-555-0112"  # not edited: the new file's
        assert facility.city == "South Portland"
        assert facility.claimed_by == admin.program


# --- Phone numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("207-555-0100", "207-555-0100"),
        ("(207) 555-0100", "207-555-0100"),
        ("207.555.0100", "207-555-0100"),
        ("+1 207 555 0100", "207-555-0100"),
        ("1-800-662-HELP", "800-662-4357"),
        ("207-555-0100 x12", "207-555-0100 x12"),
        ("207 555 0100 ext. 7931", "207-555-0100 x7931"),
        ("2075550100#3", "207-555-0100 x3"),
        ("800-YSS8918", "800-977-8918"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_phone_numbers_are_written_the_directory_s_way(raw: str, stored: str) -> None:
    assert services.normalise_phone(raw, "phone") == stored


# --- Making a verifier ----------------------------------------------------------------------------------


@pytest.mark.django_db
class TestCreateAdminDirectoryVerifier:
    def createadmin(self, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
        monkeypatch.setattr("sys.stdin", io.StringIO("a long admin pass phrase\n"))
        out = io.StringIO()
        call_command("createadmin", "--program", "Operators", "--username", "op", "--password-stdin", *args, stdout=out)
        return out.getvalue()

    def test_it_makes_a_verifier(self, monkeypatch: pytest.MonkeyPatch) -> None:
        out = self.createadmin(monkeypatch, "--directory-verifier")
        user = User.objects.get(username="op")
        assert (user.role, user.is_superuser) == ("program_admin", True)
        assert services.can_verify(user)
        assert "directory verifier" in out
        assert AuditEvent.objects.filter(action="directory_verifier_grant", object_id=str(user.pk)).exists()

    def test_without_the_flag_it_does_not(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.createadmin(monkeypatch)
        user = User.objects.get(username="op")
        assert not user.is_superuser
        assert not services.can_verify(user)
