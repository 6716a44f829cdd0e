"""Staff pages for directory listings: a program admin finds the program's listings, claims them and,
once a verifier approves, edits their contact details; a directory verifier reviews claims, marks
listings verified and sets the advertiser label.

Thin views: who may do what is checked here before any input is read (403 otherwise), and again by the
services in services.py, which also validate; their errors are put next to the fields (status 422,
nothing saved). Listings are public information, so reading them is not audited; every write is."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from waymark.chart.forms import DateInput
from waymark.core.roles import Cap
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors
from waymark.directory import services
from waymark.directory.models import Facility, FacilityClaim

SEARCH_LIMIT = 50
RECENT_DECISIONS = 20
DATE_ERRORS = {"invalid": "Enter a date as YYYY-MM-DD.", "required": "Enter the day it was checked."}


# --- Forms ---------------------------------------------------------------------------------------------


class SearchForm(forms.Form):
    q = forms.CharField(label="Name", required=False, max_length=100)
    city = forms.CharField(label="City", required=False, max_length=100)
    state = forms.CharField(
        label="State", required=False, max_length=2, help_text="Two letters, e.g. ME.", widget=forms.TextInput()
    )

    def clean_state(self) -> str:
        state = self.cleaned_data["state"].strip().upper()
        if state and not (len(state) == 2 and state.isalpha()):
            raise ValidationError("Enter the state as two letters, e.g. ME.")
        return state

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(str(data.get(f, "")).strip() for f in ("q", "city", "state")):
            raise ValidationError("Enter a name, a city or a state to search.")
        return data


class ClaimForm(forms.Form):
    evidence = forms.CharField(
        label="How can a reviewer confirm your program runs this facility?",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": services.MAX_EVIDENCE}),
        help_text="e.g. your state licence number, or a phone number at the facility a reviewer can call.",
        error_messages={"required": "Tell the reviewer how to confirm your program runs this facility."},
    )


def _phone(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "maxlength": 40}),
    )


class ContactForm(forms.Form):
    name_detail = forms.CharField(
        label=services.FIELD_LABELS["name_detail"],
        required=False,
        help_text="Shown under the facility's name, e.g. “Outpatient clinic”.",
        widget=forms.TextInput(attrs={"maxlength": services.MAX_NAME_DETAIL}),
    )
    phone = _phone(services.FIELD_LABELS["phone"], "e.g. 207-555-0100; add an extension as x12.")
    intake1 = _phone(services.FIELD_LABELS["intake1"], "The number people call to start treatment.")
    intake2 = _phone(services.FIELD_LABELS["intake2"])
    website = forms.CharField(
        label=services.FIELD_LABELS["website"],
        required=False,
        help_text="An https:// address.",
        widget=forms.TextInput(attrs={"type": "url", "maxlength": services.MAX_WEBSITE}),
    )

    def to_details(self) -> services.ContactDetails:
        return services.ContactDetails(**{f: self.cleaned_data[f] for f in services.EDITABLE})


class VerifyForm(forms.Form):
    what = forms.CharField(
        label="What was verified",
        help_text="e.g. “address, phone and services, by phone with the intake coordinator”.",
        widget=forms.TextInput(attrs={"maxlength": services.MAX_VERIFIED_WHAT}),
        error_messages={"required": "Say what was verified."},
    )
    on = forms.DateField(label="Checked on", widget=DateInput(), error_messages=DATE_ERRORS)


class UnverifyForm(forms.Form):
    reason = forms.CharField(
        label="Why it is no longer verified",
        widget=forms.TextInput(attrs={"maxlength": services.MAX_NOTE}),
        error_messages={"required": "Say why the listing is no longer verified."},
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve"), ("reject", "Do not approve")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose approve or do not approve.", "invalid_choice": "Choose approve or not."},
    )
    note = forms.CharField(
        label="Note to the program",
        required=False,
        help_text="Needed when the claim is not approved.",
        widget=forms.TextInput(attrs={"maxlength": services.MAX_NOTE}),
    )


# --- Access -----------------------------------------------------------------------------------------


def _require_listing_staff(request: AuthedRequest) -> None:
    """Program admins (Cap.LISTING_CLAIM) and directory verifiers."""
    if not (request.user.can(Cap.LISTING_CLAIM) or services.can_verify(request.user)):
        raise PermissionDenied("Your role cannot manage directory listings.")


def _require_verifier(request: AuthedRequest) -> None:
    if not services.can_verify(request.user):
        raise PermissionDenied("Only a directory verifier (the site's operator) can do this.")


def _facility(facility_id: int) -> Facility:
    return get_object_or_404(Facility.objects.select_related("claimed_by", "verified_by"), pk=facility_id)


# --- Program admins: find, claim, edit --------------------------------------------------------------


def _search(form: SearchForm) -> QuerySet[Facility]:
    data = form.cleaned_data
    found = Facility.objects.filter(directory_type="substance")
    for word in data["q"].split():
        found = found.filter(Q(name__icontains=word) | Q(name_detail__icontains=word))
    if data["city"].strip():
        found = found.filter(city__iexact=" ".join(data["city"].split()))
    if data["state"]:
        found = found.filter(state=data["state"])
    return found.select_related("claimed_by").order_by("state", "city", "name", "pk")


@login_required
@require_GET
def listings(request: AuthedRequest) -> HttpResponse:
    _require_listing_staff(request)
    user = request.user
    form = SearchForm(request.GET or None)
    results: list[Facility] | None = None
    more = False
    if form.is_bound and form.is_valid():
        results = list(_search(form)[: SEARCH_LIMIT + 1])
        more = len(results) > SEARCH_LIMIT
        results = results[:SEARCH_LIMIT]
    managed: list[Facility] = []
    claims: list[FacilityClaim] = []
    if user.can(Cap.LISTING_CLAIM):
        managed = list(Facility.objects.filter(claimed_by=user.program_id).order_by("state", "city", "name", "pk"))
        claims = list(
            FacilityClaim.objects.filter(program=user.program_id)
            .select_related("facility", "requested_by")
            .order_by("-requested_at", "-pk")
        )
    context = {
        "nav": "listings",
        "form": form,
        "results": results,
        "more": more,
        "limit": SEARCH_LIMIT,
        "managed": managed,
        "claims": claims,
        "can_verify": services.can_verify(user),
        "pending_count": FacilityClaim.objects.filter(status=FacilityClaim.Status.PENDING).count()
        if services.can_verify(user)
        else 0,
    }
    return render(request, "directory/listing_search.html", context, status=422 if form.errors else 200)


def _detail(
    request: AuthedRequest,
    facility: Facility,
    *,
    claim_form: ClaimForm | None = None,
    verify_form: VerifyForm | None = None,
    unverify_form: UnverifyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    verifier = services.can_verify(user)
    claims = FacilityClaim.objects.filter(facility=facility).select_related("program", "requested_by", "decided_by")
    if not verifier:
        claims = claims.filter(program=user.program_id)
    claims_list = list(claims.order_by("-requested_at", "-pk"))
    manages = user.can(Cap.LISTING_CLAIM) and facility.claimed_by_id == user.program_id
    pending = any(c.status == FacilityClaim.Status.PENDING and c.program_id == user.program_id for c in claims_list)
    may_claim = user.can(Cap.LISTING_CLAIM) and not manages and not pending
    # A claim refused because the listing is the program's already (or its claim is waiting) has no form
    # left to show its error on: it goes at the top.
    error = " ".join(str(e) for e in claim_form.non_field_errors()) if claim_form is not None and not may_claim else ""
    context = {
        "nav": "listings",
        "facility": facility,
        "claims": claims_list,
        "manages": manages,
        "pending": pending,
        "claim_form": (claim_form or ClaimForm()) if may_claim else None,
        "can_verify": verifier,
        "verify_form": verify_form or VerifyForm(initial={"on": user.program.clinic_day() if user.program else None}),
        "unverify_form": unverify_form or UnverifyForm(),
        "edited": [services.FIELD_LABELS.get(f, f) for f in facility.locally_edited],
        "error": error,
    }
    return render(request, "directory/listing_detail.html", context, status=status)


@login_required
@require_GET
def listing(request: AuthedRequest, facility_id: int) -> HttpResponse:
    _require_listing_staff(request)
    return _detail(request, _facility(facility_id))


@login_required
@require_POST
def listing_claim(request: AuthedRequest, facility_id: int) -> HttpResponse:
    if not request.user.can(Cap.LISTING_CLAIM):
        raise PermissionDenied("Your role cannot claim directory listings.")
    facility = _facility(facility_id)
    form = ClaimForm(request.POST)
    if form.is_valid():
        try:
            services.do_request_claim(request.user, facility, form.cleaned_data["evidence"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Claim sent. A directory verifier will review it; its status shows here.")
            return redirect("directory:listing", facility_id=facility.pk)
    return _detail(request, facility, claim_form=form, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def listing_edit(request: AuthedRequest, facility_id: int) -> HttpResponse:
    facility = _facility(facility_id)
    services.require_manager(request.user, facility)
    initial = {f: getattr(facility, f) for f in services.EDITABLE}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.do_edit_listing(request.user, facility, form.to_details())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            if changed:
                names = ", ".join(services.FIELD_LABELS[f] for f in changed)
                messages.success(request, f"Saved: {names}. A new import of the directory keeps what you set.")
            else:
                messages.info(request, "Nothing changed; nothing was saved.")
            return redirect("directory:listing", facility_id=facility.pk)
    status = 422 if form.is_bound else 200
    context = {"nav": "listings", "facility": facility, "form": form}
    return render(request, "directory/listing_edit.html", context, status=status)


# --- Verifiers: verification, the advertiser label, the claims queue ----------------------------------


@login_required
@require_POST
def listing_verify(request: AuthedRequest, facility_id: int) -> HttpResponse:
    _require_verifier(request)
    facility = _facility(facility_id)
    form = VerifyForm(request.POST)
    if form.is_valid():
        try:
            services.do_verify_listing(
                request.user, facility, what=form.cleaned_data["what"], on=form.cleaned_data["on"]
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "The listing is marked verified.")
            return redirect("directory:listing", facility_id=facility.pk)
    return _detail(request, facility, verify_form=form, status=422)


@login_required
@require_POST
def listing_unverify(request: AuthedRequest, facility_id: int) -> HttpResponse:
    _require_verifier(request)
    facility = _facility(facility_id)
    form = UnverifyForm(request.POST)
    if form.is_valid():
        try:
            services.do_clear_verification(request.user, facility, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "The listing is no longer marked verified.")
            return redirect("directory:listing", facility_id=facility.pk)
    return _detail(request, facility, unverify_form=form, status=422)


@login_required
@require_POST
def listing_advertiser(request: AuthedRequest, facility_id: int) -> HttpResponse:
    _require_verifier(request)
    facility = _facility(facility_id)
    value = request.POST.get("advertiser", "")
    if value not in ("0", "1"):
        messages.error(request, "Choose whether the listing is an advertiser.")
        return redirect("directory:listing", facility_id=facility.pk)
    on = value == "1"
    if services.do_set_advertiser(request.user, facility, on):
        label = "now shows" if on else "no longer shows"
        messages.success(request, f"The listing {label} the Advertiser label. Search order is unchanged.")
    return redirect("directory:listing", facility_id=facility.pk)


def _claims_page(
    request: AuthedRequest, *, failed: FacilityClaim | None = None, failed_form: DecideForm | None = None
) -> HttpResponse:
    pending = list(
        FacilityClaim.objects.filter(status=FacilityClaim.Status.PENDING)
        .select_related("facility", "facility__claimed_by", "program", "requested_by")
        .order_by("requested_at", "pk")
    )
    for claim in pending:
        bound = failed_form if failed is not None and failed.pk == claim.pk else None
        claim.form = bound or DecideForm(prefix=f"claim{claim.pk}")  # type: ignore[attr-defined]
    decided = list(
        FacilityClaim.objects.exclude(status=FacilityClaim.Status.PENDING)
        .select_related("facility", "program", "decided_by")
        .order_by("-decided_at", "-pk")[:RECENT_DECISIONS]
    )
    # A claim decided meanwhile is no longer in the queue: its error goes at the top.
    error = ""
    if failed is not None and failed_form is not None and all(c.pk != failed.pk for c in pending):
        error = " ".join(str(e) for e in failed_form.non_field_errors())
    context = {"nav": "claims", "pending": pending, "decided": decided, "recent": RECENT_DECISIONS, "error": error}
    return render(request, "directory/claims.html", context, status=422 if failed is not None else 200)


@login_required
@require_GET
def claims(request: AuthedRequest) -> HttpResponse:
    _require_verifier(request)
    return _claims_page(request)


@login_required
@require_POST
def claim_decide(request: AuthedRequest, claim_id: int) -> HttpResponse:
    _require_verifier(request)
    claim = get_object_or_404(FacilityClaim.objects.select_related("facility", "program"), pk=claim_id)
    form = DecideForm(request.POST, prefix=f"claim{claim.pk}")
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.do_decide_claim(request.user, claim, approve=approve, note=form.cleaned_data["note"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            what = "approved: the program manages the listing now" if approve else "not approved"
            messages.success(request, f"{claim.program}'s claim on {claim.facility} {what}.")
            return redirect("directory:claims")
    return _claims_page(request, failed=claim, failed_form=form)


urlpatterns: list[URLPattern] = [
    path("listings/", listings, name="listings"),
    path("listings/<int:facility_id>/", listing, name="listing"),
    path("listings/<int:facility_id>/claim/", listing_claim, name="listing_claim"),
    path("listings/<int:facility_id>/edit/", listing_edit, name="listing_edit"),
    path("listings/<int:facility_id>/verify/", listing_verify, name="listing_verify"),
    path("listings/<int:facility_id>/unverify/", listing_unverify, name="listing_unverify"),
    path("listings/<int:facility_id>/advertiser/", listing_advertiser, name="listing_advertiser"),
    path("claims/", claims, name="claims"),
    path("claims/<int:claim_id>/decide/", claim_decide, name="claim_decide"),
]
