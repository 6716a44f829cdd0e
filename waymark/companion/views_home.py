"""The companion's home (time in recovery, stage, today's plan, a milestone to celebrate), first-time set-up,
crisis help (reachable by anyone, signed in or not), milestones, and the "More" page of links.

Thin: forms_start parses the set-up, services.start_companion saves it; today.py gathers what the home shows;
services_home records a celebrated milestone.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation

from waymark.companion import services, services_home, services_network
from waymark.companion import today as today_mod
from waymark.companion.access import companion_view, no_store, person_only, use_language
from waymark.companion.forms_start import DEFAULT_ZONE, StartForm
from waymark.companion.models import CompanionProfile, SupportContact
from waymark.core.models import User
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors


@companion_view
def home(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    user = request.user
    today = services.today_for(profile)
    recovery = today_mod.recovery_for(user, profile, today)
    celebration = services_home.celebrate(user, today_mod.unseen_milestones(user, recovery))
    patient = services.patient_of(user)
    plan = today_mod.today_plan(user, profile, today, patient)
    # "I need support now" from someone in the person's peer groups, not opened yet (the peer groups app).
    from waymark.community.services import unseen_support_alerts

    support_asks = unseen_support_alerts(user)
    services.audit_read(user, "companion_home")
    context = {
        "section": "home",
        "profile": profile,
        "recovery": recovery,
        "celebration": celebration,
        "plan": plan,
        "support_asks": support_asks,
    }
    return render(request, "companion/home.html", context)


# --- First-time set-up ----------------------------------------------------------------------------------


def _chosen_language(request: HttpRequest) -> str:
    raw = request.POST.get("language") if request.method == "POST" else request.GET.get("lang")
    return raw if raw in CompanionProfile.Language.values else CompanionProfile.Language.ENGLISH


@login_required
def start(request: AuthedRequest) -> HttpResponse:
    """Set up the companion once; a person who already has it is sent home."""
    person_only(request)
    user = request.user
    if services.profile_for(user) is not None:
        return redirect("companion:home")
    language = _chosen_language(request)
    use_language(request, language)
    patient = services.patient_of(user)
    default_zone = patient.program.time_zone if patient else DEFAULT_ZONE
    data = request.POST if request.method == "POST" else None
    form = StartForm(data, default_zone=default_zone, initial={"language": language})
    if request.method == "POST" and form.is_valid():
        try:
            services.start_companion(
                user,
                recovery_started_on=form.cleaned_data["recovery_started_on"],
                time_zone=form.cleaned_data["time_zone"],
                language=form.cleaned_data["language"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return redirect("companion:home")
    status = 422 if request.method == "POST" else 200
    other = "en" if language == "es" else "es"
    return render(
        request,
        "companion/start.html",
        {"form": form, "program_patient": patient is not None, "other": other},
        status=status,
    )


# --- Crisis help ----------------------------------------------------------------------------------------


def crisis(request: HttpRequest) -> HttpResponse:
    """Help now: 988, 911, what to do for an overdose, the SAMHSA helpline, and the person's own people to call.
    Anyone may open it (a session that ran out must never stand between a person and these numbers); a signed-in
    person also sees their support contacts and a link to their plan, in their own language; anyone else can
    read it in Spanish with ?lang=es."""
    user = request.user
    contacts: list[services_network.Reachable] = []
    profile = None
    if isinstance(user, User) and user.is_authenticated and not user.is_staff_member:
        profile = services.profile_for(user)
        if profile is not None:
            use_language(request, profile.language)  # type: ignore[arg-type]
            contacts = services_network.reachable(list(SupportContact.objects.filter(user=user, on_plan=True)))
            services.audit_read(user, "support_contacts")
    in_companion = profile is not None
    if not in_companion:
        use_language(request, _chosen_language(request))  # type: ignore[arg-type]
    response = render(
        request,
        "companion/crisis.html",
        {
            "section": "",
            "other": "en" if translation.get_language() == "es" else "es",
            "contacts": contacts,
            "in_companion": in_companion,
            "base_template": "companion/base.html" if in_companion else "core/base.html",
        },
    )
    return no_store(response) if in_companion else response


# --- Milestones -----------------------------------------------------------------------------------------


@companion_view
def milestones(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    user = request.user
    today = services.today_for(profile)
    recovery = today_mod.recovery_for(user, profile, today)
    services.audit_read(user, "milestones")
    return render(
        request,
        "companion/milestones.html",
        {
            "section": "more",
            "recovery": recovery,
            "reached": list(reversed(recovery.reached)),
        },
    )


# --- More -----------------------------------------------------------------------------------------------


@companion_view
def more(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    patient = services.patient_of(request.user)
    return render(request, "companion/more.html", {"section": "more", "program_patient": patient is not None})
