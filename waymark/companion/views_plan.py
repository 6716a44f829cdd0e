"""The relapse-prevention plan (/companion/plan/): the people to call at the top,
then reasons for recovery, early warning signs and triggers with what the person
will do about each. Made to be read in a hard moment: big, plain, short.

Editing happens on pages of their own (an item, the reasons) so the plan page
stays readable. Writes go through services_plan.py; its errors appear next to
the fields (status 422, nothing saved). Another person's item is a 404.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from waymark.companion import services, services_network, services_plan
from waymark.companion.access import companion_view
from waymark.companion.forms_plan import PlanItemForm, ReasonsForm, ShareForm
from waymark.companion.models import CompanionProfile, PlanItem, RelapsePlan
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors


def _suggestions() -> dict[str, list[str]]:
    """Examples offered as ideas, never put into the person's plan for them."""
    return {
        "warning_signs": [
            _("Feeling irritable or on edge"),
            _("Keeping to myself, not answering calls"),
            _("Remembering using as only the good times"),
            _("Skipping meetings or appointments"),
            _("Sleeping badly"),
            _("Thinking “just once won’t hurt”"),
            _("Wanting to stop my medication"),
        ],
        "triggers": [
            _("Payday or having cash"),
            _("Arguments with someone close"),
            _("Being alone in the evening"),
            _("Pain"),
            _("Parties and celebrations"),
            _("Places or people I used with"),
            _("Stress at work"),
        ],
        "coping": [
            _("Call someone on my list"),
            _("Go to a meeting"),
            _("Wait 20 minutes: cravings rise and pass like a wave"),
            _("Leave the place"),
            _("Eat something, rest, or talk to someone (am I hungry, angry, lonely, tired?)"),
            _("Think the whole night through, not just the first hour"),
            _("Take my medication as prescribed"),
        ],
    }


def _item(request: AuthedRequest, item_id: int) -> PlanItem:
    return get_object_or_404(PlanItem.objects.select_related("plan"), pk=item_id, plan__user=request.user)


def _in_program(request: AuthedRequest) -> bool:
    return services.patient_of(request.user) is not None


@companion_view
@require_http_methods(["GET"])
def plan(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    user = request.user
    relapse_plan = services_plan.plan_of(user)
    items: list[PlanItem] = list(relapse_plan.items.all()) if relapse_plan else []
    services.audit_read(user, "relapseplan", relapse_plan.pk if relapse_plan else "")
    context: dict[str, Any] = {
        "section": "plan",
        "plan": relapse_plan,
        "people": services_network.reachable(services_network.contacts_of(user, on_plan=True)),
        "reasons": services_plan.reason_lines(relapse_plan),
        "warning_signs": [(i, services_plan.coping_lines(i)) for i in items if i.kind == PlanItem.Kind.WARNING_SIGN],
        "triggers": [(i, services_plan.coping_lines(i)) for i in items if i.kind == PlanItem.Kind.TRIGGER],
        "in_program": _in_program(request),
        "share_form": ShareForm(initial={"shared": relapse_plan.shared_with_care_team if relapse_plan else False}),
    }
    return render(request, "companion/plan.html", context)


def _item_page(request: AuthedRequest, form: PlanItemForm, item: PlanItem | None, status: int = 200) -> HttpResponse:
    context = {"section": "plan", "form": form, "item": item, "suggestions": _suggestions()}
    return render(request, "companion/plan_item.html", context, status=status)


@companion_view
@require_http_methods(["GET", "POST"])
def item_new(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    kind = request.GET.get("kind", "")
    initial = {"kind": kind} if kind in PlanItem.Kind.values else {}
    form = PlanItemForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                services_plan.add_item(request.user, **form.to_fields())
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Added to your plan."))
                return redirect("companion:plan")
        return _item_page(request, form, None, status=422)
    return _item_page(request, form, None)


@companion_view
@require_http_methods(["GET", "POST"])
def item_edit(request: AuthedRequest, profile: CompanionProfile, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    form = PlanItemForm(request.POST or None, item=item)
    if request.method == "POST":
        if form.is_valid():
            try:
                changed = services_plan.change_item(request.user, item, **form.to_fields())
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Your plan is updated.") if changed else _("Nothing had changed."))
                return redirect("companion:plan")
        return _item_page(request, form, item, status=422)
    services.audit_read(request.user, "planitem", item.pk)
    return _item_page(request, form, item)


@companion_view
@require_POST
def item_remove(request: AuthedRequest, profile: CompanionProfile, item_id: int) -> HttpResponse:
    services_plan.remove_item(request.user, _item(request, item_id))
    messages.success(request, _("Removed from your plan."))
    return redirect("companion:plan")


@companion_view
@require_http_methods(["GET", "POST"])
def reasons(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    relapse_plan: RelapsePlan | None = services_plan.plan_of(request.user)
    form = ReasonsForm(request.POST or None, initial={"reasons": relapse_plan.reasons if relapse_plan else ""})
    if request.method == "POST":
        if form.is_valid():
            try:
                services_plan.set_reasons(request.user, form.cleaned_data["reasons"])
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Your reasons are saved."))
                return redirect("companion:plan")
        return render(request, "companion/plan_reasons.html", {"section": "plan", "form": form}, status=422)
    services.audit_read(request.user, "relapseplan", relapse_plan.pk if relapse_plan else "")
    return render(request, "companion/plan_reasons.html", {"section": "plan", "form": form})


@companion_view
@require_POST
def share(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    form = ShareForm(request.POST)
    shared = form.is_valid() and form.cleaned_data["shared"]
    try:
        services_plan.share_plan(request.user, shared)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Your care team can now see your plan.") if shared else _("Your plan is private to you now.")
        )
    return redirect("companion:plan")
