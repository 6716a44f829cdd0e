"""Staff screens for the chart, and the patient's own record. Thin: each view
gets the patient through `patient_for`, calls a service, renders."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from waymark.chart import services
from waymark.chart.access import (
    BreakGlassRequired,
    Need,
    disclosures_need,
    on_care_team,
    patient_for,
)
from waymark.chart.forms import (
    BreakGlassForm,
    CareTeamAddForm,
    ConsentForm,
    DisclosureForm,
    EpisodeEditForm,
    EpisodeForm,
    PatientForm,
    RevokeConsentForm,
)
from waymark.chart.models import (
    BreakGlassAccess,
    CareTeamMember,
    Consent,
    Episode,
    Patient,
)
from waymark.chart.search import search_patients
from waymark.companion import services_data as companion_data
from waymark.core import services as account_services
from waymark.core.roles import Cap
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors


def _patient_or_break_glass(
    request: AuthedRequest, patient_id: int, need: Need = Need.READ, **kwargs: Any
) -> Patient | HttpResponse:
    try:
        return patient_for(request.user, patient_id, need, **kwargs)
    except BreakGlassRequired:
        return redirect("break_glass", patient_id=patient_id)


def patient_for_request(
    request: AuthedRequest, patient_id: int, need: Need, object_type: str, object_id: object = ""
) -> Patient | HttpResponse:
    """`_patient_or_break_glass` with the audit action named from the request: "read" for a read, "open_form"
    for the GET of a form, "write" for its POST."""
    action = "read" if need == Need.READ else ("open_form" if request.method == "GET" else "write")
    return _patient_or_break_glass(
        request, patient_id, need, action=action, object_type=object_type, object_id=object_id
    )


# --- Home ----------------------------------------------------------------------


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not user.is_staff_member:
        # A person with the recovery companion starts there; a self-guided person without it sets it up; a
        # program patient who has not set it up sees their record (also at "my_record", linked from the companion).
        from waymark.companion.models import CompanionProfile

        if CompanionProfile.objects.filter(user=user).exists():
            return redirect("companion:home")
        if not Patient.objects.filter(user=user).exists():
            return redirect("companion:start")
        return my_record(request)
    context: dict[str, Any] = {"nav": "home", "program": user.program}
    if user.can(Cap.PATIENT_SEARCH):
        program_id = user.program_pk
        today = user.staff_program.clinic_day()
        open_episodes = Episode.objects.filter(patient__program_id=program_id, discharged_on__isnull=True)
        context["patient_count"] = Patient.objects.filter(program_id=program_id).count()
        context["open_episode_count"] = open_episodes.count()
        context["by_level"] = open_episodes.values("level_of_care").annotate(n=Count("id")).order_by("-n")
        labels = dict(Episode._meta.get_field("level_of_care").choices or [])
        for row in context["by_level"]:
            row["label"] = labels.get(row["level_of_care"], row["level_of_care"])
        context["admitted_30"] = open_episodes.filter(admitted_on__gte=today - dt.timedelta(days=30)).count()
        context["expiring_consents"] = Consent.objects.filter(
            patient__program_id=program_id,
            revoked_on__isnull=True,
            expiry_kind="date",
            expires_on__gte=today,
            expires_on__lte=today + dt.timedelta(days=30),
        ).count()
        context["caseload"] = (
            CareTeamMember.objects.filter(user=user, ended_on__isnull=True)
            .select_related("patient")
            .order_by("patient__family_name")[:50]
        )
    if user.can(Cap.AUDIT_REVIEW):
        context["unreviewed_break_glass"] = BreakGlassAccess.objects.filter(
            patient__program_id=user.program_pk, reviewed_at__isnull=True
        ).count()
    if user.can(Cap.COMMUNITY_MODERATE):
        from waymark.community.services import moderated_groups

        context["moderated_groups"] = moderated_groups(user)
    return render(request, "chart/dashboard.html", context)


@login_required
def my_record(request: AuthedRequest) -> HttpResponse:
    """A patient's own record: episodes, consents they gave, and who received their records."""
    user = request.user
    if user.is_staff_member:
        return redirect("home")
    patient = Patient.objects.filter(user=user).only("id").first()
    if patient is None:
        return render(request, "chart/self_guided_home.html", {"nav": "my_record"})
    patient = patient_for(user, patient.pk, Need.READ, object_type="own_record")
    return render(
        request,
        "chart/my_record.html",
        {
            "nav": "my_record",
            "patient": patient,
            "episodes": patient.episodes.order_by("-admitted_on"),
            "consents": patient.consents.all(),
            "disclosures": patient.disclosures.all(),
        },
    )


# --- Patient list and search ----------------------------------------------------------


@login_required
def patient_list(request: AuthedRequest) -> HttpResponse:
    """Search posts its text (names are not put in URLs or server logs)."""
    user = request.user
    if not user.can(Cap.PATIENT_SEARCH):
        raise PermissionDenied
    query = request.POST.get("q", "") if request.method == "POST" else ""
    try:
        page_number = int(request.POST.get("page") or request.GET.get("page") or 1)
    except ValueError:
        page_number = 1
    result = search_patients(user, query, page_number)
    context = {"result": result, "page": result.page, "query": result.query, "nav": "patients"}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "chart/patient_list.html#results", context)
    return render(request, "chart/patient_list.html", context)


@login_required
def patient_create(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not user.can(Cap.PATIENT_CREATE):
        raise PermissionDenied
    form = PatientForm(request.POST or None, request.FILES or None, program_id=user.program_pk)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        photo = data.pop("photo_upload", None)
        try:
            patient = services.create_patient(user, user.staff_program, **data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            if photo:
                services.set_patient_photo(user, patient, photo.read(), photo.content_type)
            messages.success(request, f"{patient.display_name} was added.")
            return redirect("chart", patient_id=patient.pk)
    return render(request, "chart/patient_form.html", {"form": form, "nav": "patients", "creating": True})


@login_required
def patient_edit(request: AuthedRequest, patient_id: int) -> HttpResponse:
    user = request.user
    patient = _patient_or_break_glass(
        request, patient_id, Need.WRITE, action="open_edit" if request.method == "GET" else "write"
    )
    if isinstance(patient, HttpResponse):
        return patient
    form = PatientForm(request.POST or None, request.FILES or None, instance=patient, program_id=patient.program_id)
    if request.method == "POST":
        # Re-read: the bound form mutates its instance while validating.
        patient = Patient.objects.get(pk=patient.pk)
        if form.is_valid():
            data = dict(form.cleaned_data)
            photo = data.pop("photo_upload", None)
            try:
                services.update_patient(user, patient, **data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                if photo:
                    services.set_patient_photo(user, patient, photo.read(), photo.content_type)
                messages.success(request, "Saved.")
                return redirect("chart", patient_id=patient.pk)
    return render(request, "chart/patient_form.html", {"form": form, "patient": patient, "nav": "patients"})


@login_required
def patient_photo(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = patient_for(request.user, patient_id, Need.READ, action="read", object_type="photo")
    if not patient.photo_content_type:
        raise Http404("No photo.")
    response = HttpResponse(bytes(patient.photo or b""), content_type=patient.photo_content_type)
    response["Cache-Control"] = "private, no-store"
    return response


# --- Chart overview ----------------------------------------------------------------------


@login_required
def chart(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient_or_break_glass(request, patient_id, Need.READ)
    if isinstance(patient, HttpResponse):
        return patient
    today = patient.program.clinic_day()
    episodes = list(patient.episodes.select_related("site").prefetch_related("level_history").order_by("-admitted_on"))
    in_treatment = any(e.is_open for e in episodes)
    consents = list(patient.consents.all())
    for consent in consents:
        consent.status = consent.status_on(today, in_treatment)  # type: ignore[attr-defined]
    context = {
        "patient": patient,
        "today": today,
        "age": patient.age_on(today),
        "episodes": episodes,
        "care_team": patient.care_team.filter(ended_on__isnull=True).select_related("user"),
        "consents": consents,
        "disclosures": patient.disclosures.select_related("consent")[:20],
        "nav": "patients",
        "break_glass": patient.opened_by_break_glass,
        "invitation_possible": patient.user_id is None or not patient.user.has_usable_password(),  # type: ignore[union-attr]
        "companion_panel": companion_data.care_panel(patient) if request.user.is_staff_member else None,
    }
    return render(request, "chart/chart.html", context)


@login_required
def break_glass(request: AuthedRequest, patient_id: int) -> HttpResponse:
    user = request.user
    if not user.can(Cap.BREAK_GLASS):
        raise PermissionDenied
    patient = get_object_or_404(
        Patient.objects.only("id", "program_id", "given_name", "family_name", "preferred_name"),
        pk=patient_id,
        program_id=user.program_pk,
    )
    if user.chart_scope != "care_team" or on_care_team(user, patient.pk):
        # Nothing to break: this chart is already open to the user.
        return redirect("chart", patient_id=patient.pk)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.break_glass(user, patient, form.cleaned_data["reason"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.warning(
                request,
                f"Emergency access granted for {settings.WAYMARK_BREAK_GLASS_HOURS} hours. "
                "The privacy officer will review it.",
            )
            return redirect("chart", patient_id=patient.pk)
    return render(request, "chart/break_glass.html", {"form": form, "patient": patient, "nav": "patients"})


# --- Episodes ------------------------------------------------------------------------------


@login_required
def episode_create(request: AuthedRequest, patient_id: int) -> HttpResponse:
    user = request.user
    patient = _patient_or_break_glass(request, patient_id, Need.WRITE, object_type="episodes")
    if isinstance(patient, HttpResponse):
        return patient
    form = EpisodeForm(
        request.POST or None, program_id=patient.program_id, initial={"admitted_on": patient.program.clinic_day()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.open_episode(user, patient, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Episode opened.")
            return redirect("chart", patient_id=patient.pk)
    return render(
        request, "chart/episode_form.html", {"form": form, "patient": patient, "nav": "patients", "creating": True}
    )


@login_required
def episode_edit(request: AuthedRequest, patient_id: int, episode_id: int) -> HttpResponse:
    user = request.user
    patient = _patient_or_break_glass(request, patient_id, Need.WRITE, object_type="episode", object_id=episode_id)
    if isinstance(patient, HttpResponse):
        return patient
    episode = get_object_or_404(Episode, pk=episode_id, patient=patient)
    form = EpisodeEditForm(request.POST or None, instance=episode, program_id=patient.program_id)
    if request.method == "POST":
        episode = Episode.objects.select_related("patient__program").get(pk=episode.pk)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.update_episode(
                    user,
                    episode,
                    level_change_reason=data.pop("level_change_reason", ""),
                    level_changed_on=data.pop("level_changed_on", None),
                    **data,
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, "Episode saved.")
                return redirect("chart", patient_id=patient.pk)
    return render(
        request, "chart/episode_form.html", {"form": form, "patient": patient, "episode": episode, "nav": "patients"}
    )


# --- Care team ---------------------------------------------------------------------------------


@login_required
def care_team(request: AuthedRequest, patient_id: int) -> HttpResponse:
    user = request.user
    patient = patient_for(user, patient_id, Need.CARE_TEAM, object_type="care_team")
    form = CareTeamAddForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_to_care_team(user, patient, form.cleaned_data["member"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Care team updated.")
            return redirect("care_team", patient_id=patient.pk)
    members = patient.care_team.select_related("user").order_by("ended_on", "user__last_name")
    return render(
        request, "chart/care_team.html", {"form": form, "patient": patient, "members": members, "nav": "patients"}
    )


@login_required
@require_POST
def care_team_end(request: AuthedRequest, patient_id: int, link_id: int) -> HttpResponse:
    user = request.user
    patient = patient_for(user, patient_id, Need.CARE_TEAM, object_type="care_team")
    link = get_object_or_404(CareTeamMember, pk=link_id, patient=patient)
    try:
        services.end_care_team_membership(user, patient, link)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("care_team", patient_id=patient.pk)


# --- Consents and disclosures ---------------------------------------------------------------------


@login_required
def consent_create(request: AuthedRequest, patient_id: int) -> HttpResponse:
    user = request.user
    patient = _patient_or_break_glass(request, patient_id, Need.CONSENT, object_type="consents")
    if isinstance(patient, HttpResponse):
        return patient
    form = ConsentForm(
        request.POST or None,
        initial={
            "disclosing_party": patient.program.name,
            "signed_on": patient.program.clinic_day(),
            "signed_by": f"{patient.given_name} {patient.family_name}",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_consent(user, patient, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Consent recorded.")
            return redirect(reverse("chart", args=[patient.pk]) + "#consents")
    return render(request, "chart/consent_form.html", {"form": form, "patient": patient, "nav": "patients"})


@login_required
def consent_revoke(request: AuthedRequest, patient_id: int, consent_id: int) -> HttpResponse:
    user = request.user
    patient = _patient_or_break_glass(request, patient_id, Need.CONSENT, object_type="consent", object_id=consent_id)
    if isinstance(patient, HttpResponse):
        return patient
    consent = get_object_or_404(Consent, pk=consent_id, patient=patient)
    form = RevokeConsentForm(request.POST or None, initial={"revoked_on": patient.program.clinic_day()})
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_consent(
                user, patient, consent, revoked_on=form.cleaned_data["revoked_on"], note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Consent revoked. No further disclosures may be made under it.")
            return redirect(reverse("chart", args=[patient.pk]) + "#consents")
    return render(
        request, "chart/consent_revoke.html", {"form": form, "patient": patient, "consent": consent, "nav": "patients"}
    )


@login_required
def disclosures(request: AuthedRequest, patient_id: int) -> HttpResponse:
    """The accounting of disclosures; the privacy officer records one here."""
    user = request.user
    patient = _patient_or_break_glass(request, patient_id, disclosures_need(user), object_type="disclosures")
    if isinstance(patient, HttpResponse):
        return patient
    form = None
    if user.can(Cap.DISCLOSURE_WRITE):
        form = DisclosureForm(
            request.POST or None, patient=patient, initial={"disclosed_on": patient.program.clinic_day()}
        )
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.record_disclosure(user, patient, consent=data.pop("consent"), **data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, "Disclosure recorded.")
                return redirect("disclosures", patient_id=patient.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "chart/disclosures.html",
        {
            "patient": patient,
            "form": form,
            "nav": "patients",
            "disclosures": patient.disclosures.select_related("consent", "recorded_by"),
        },
    )


# --- Invitation ------------------------------------------------------------------------------------------


@login_required
@require_POST
def invite(request: AuthedRequest, patient_id: int) -> HttpResponse:
    user = request.user
    patient = patient_for(user, patient_id, Need.INVITE, object_type="invitation")
    try:
        token = account_services.invite_patient(user, patient)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("chart", patient_id=patient.pk)
    link = request.build_absolute_uri(reverse("accept_invitation", args=[token]))
    return render(request, "chart/invitation_link.html", {"patient": patient, "link": link, "nav": "patients"})
