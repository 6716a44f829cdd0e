"""The dosing window (nurses): today's queue for a site, a patient's card with the
dose form, take-home handover and return check, and injections.

Thin views: the patient comes from `patient_for` (checked and audited), the
queue from queue.build_queue, every write from services.py."""

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from waymark.chart.access import Need, patient_for
from waymark.chart.models import Patient
from waymark.chart.search import search_patients
from waymark.core.models import Site, User
from waymark.core.roles import Cap
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors
from waymark.meds import rules, services
from waymark.meds.forms_window import DoseForm, InjectionForm, TakeHomeForm, TakeHomeReturnForm
from waymark.meds.medications import Family, info
from waymark.meds.models import DoseAdministration, Hold, MedicationOrder, TakeHomeDispense
from waymark.meds.queue import build_queue

SEARCH_PAGE_SIZE = 10


def _nurse(request: AuthedRequest) -> User:
    user = request.user
    if not user.can(Cap.DISPENSE):
        raise PermissionDenied("The dosing window is for nurses who dispense.")
    return user


def _sites(user: User) -> QuerySet[Site]:
    return Site.objects.filter(program_id=user.program_pk).order_by("name")


def _working_site(user: User, raw: str | None, sites: list[Site] | None = None) -> Site | None:
    """The site the nurse works at now: the one chosen (?site=), else their own, else the program's only site."""
    sites = list(_sites(user)) if sites is None else sites
    if raw:
        chosen = next((s for s in sites if str(s.pk) == raw.strip()), None)
        if chosen is None:
            raise Http404("No such site.")
        return chosen
    own = next((s for s in sites if s.pk == user.site_id), None)
    if own is not None:
        return own
    return sites[0] if len(sites) == 1 else None


def _mg(value: Decimal) -> str:
    """80, 37.5, 0.54: a stored dose as people write it."""
    return format(value.normalize(), "f")


def _card_url(patient_id: int, site: Site | None) -> str:
    url = reverse("meds:window_card", args=[patient_id])
    return f"{url}?{urlencode({'site': site.pk})}" if site else url


# --- The queue ---------------------------------------------------------------------


@login_required
@require_GET
def queue(request: AuthedRequest) -> HttpResponse:
    user = _nurse(request)
    sites = list(_sites(user))
    site = _working_site(user, request.GET.get("site"), sites)
    day = user.staff_program.clinic_day()
    try:
        hold_from_days = services.settings_for(user.staff_program).missed_hold_from_days
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        hold_from_days = rules.MedsSettings().missed_hold_from_days
    context: dict[str, Any] = {
        "nav": "window",
        "site": site,
        "sites": sites,
        "day": day,
        "queue": build_queue(user, site, day) if site else None,
        "hold_from_days": hold_from_days,
        # Cards are /meds/window/patients/<id>/?site=<site>: built once, not reversed per row.
        "card_prefix": reverse("meds:window_card", args=[0]).removesuffix("0/"),
    }
    with timezone.override(user.staff_program.zone):
        return render(request, "meds/window/queue.html", context)


@login_required
@require_POST
def search(request: AuthedRequest) -> HttpResponse:
    """Find a patient of any site of the program (a guest here). The text is posted, never put in a URL."""
    user = _nurse(request)
    sites = list(_sites(user))
    site = _working_site(user, request.POST.get("site"), sites)
    query = request.POST.get("q", "").strip()
    context: dict[str, Any] = {"nav": "window", "site": site, "query": query, "result": None}
    if query:
        result = search_patients(user, query, 1, SEARCH_PAGE_SIZE)
        names = {s.pk: s.name for s in sites}
        context["result"] = result
        context["found"] = [(p, names.get(p.site_id or 0, "—")) for p in result.page.object_list]
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "meds/window/queue.html#search_results", context)
    return render(request, "meds/window/search.html", context)


# --- The patient's card ----------------------------------------------------------------


@dataclass
class SlotLine:
    slot: int
    mg: Decimal
    concentration: Decimal | None
    volume_ml: Decimal | None
    record: DoseAdministration | None


@dataclass
class Alert:
    level: str  # "warn", "override" (needs a prescriber) or "info"
    message: str


@dataclass
class DoseOutcome:
    """What the dose form area shows after a POST."""

    record: DoseAdministration | None = None
    created: bool = False
    already: DoseAdministration | None = None
    override: list[rules.Finding] = field(default_factory=list)
    hold_message: str = ""


@dataclass
class Card:
    patient: Patient
    site: Site | None
    day: dt.date
    order: MedicationOrder | None
    slots: list[SlotLine]
    next_slot: int | None
    hold: Hold | None
    guest: bool
    alerts: list[Alert]
    injection_order: MedicationOrder | None
    injection_due: bool
    returns_due: list[TakeHomeDispense]

    @property
    def liquid(self) -> bool:
        return self.order is not None and info(self.order.medication).liquid

    @property
    def medication_label(self) -> str:
        return info(self.order.medication).label if self.order else ""


def _dose_alerts(patient: Patient, order: MedicationOrder, day: dt.date, slots: list[Decimal]) -> list[Alert]:
    """The rules' findings for the next slot (warnings, and what needs a prescriber's override)."""
    history = services.dose_history(patient, order, day)
    taken = len(history.taken_today_slots)
    if taken >= len(slots):
        return []
    findings = services.dose_findings(patient, order, day, slots[taken], history)
    cleared = services._preapproved(patient, order, day)
    alerts = [Alert("warn", f.message) for f in rules.warnings(findings)]
    for f in rules.needs_override(findings):
        if f.rule_id in cleared:
            alerts.append(Alert("info", f"A prescriber has cleared this for today: {f.message}"))
        else:
            alerts.append(Alert("override", f"Needs a prescriber's override: {f.message}"))
    return alerts


def _ecg_alerts(patient: Patient, order: MedicationOrder, day: dt.date) -> list[Alert]:
    if info(order.medication).family is not Family.METHADONE:
        return []
    return [Alert("warn", f.message) for f in services.ecg_findings(patient, order, day)]


def _injection_alerts(patient: Patient, order: MedicationOrder, day: dt.date) -> tuple[list[Alert], bool]:
    """Due and overdue alerts for an extended-release injection; whether it is due now."""
    label = info(order.medication).label
    last = services.last_injection(patient, order.medication)
    if last is None:
        return [Alert("warn", f"{label}: no injection given yet; the first is due.")], True
    status = rules.injection_status(last.clinic_day, day, services.settings_for(patient.program))
    site = last.get_body_site_display().lower()
    if status.overdue_days:
        message = f"{label} overdue by {status.overdue_days} day(s): due {status.due_on:%Y-%m-%d}"
        return [Alert("warn", f"{message} (last given {last.clinic_day:%Y-%m-%d}, {site}).")], True
    if status.due_on <= day:
        return [Alert("warn", f"{label} due today (last given {last.clinic_day:%Y-%m-%d}, {site}).")], True
    return [Alert("info", f"{label}: next injection due {status.due_on:%Y-%m-%d}.")], False


def _card(patient: Patient, site: Site | None) -> Card:
    day = patient.program.clinic_day()
    order = services.window_order(patient, day)
    slots: list[Decimal] = []
    lines: list[SlotLine] = []
    alerts: list[Alert] = []
    next_slot = None
    if order is not None:
        slots = services.ordered_slots(order, day)
        records = {r.slot: r for r in patient.administrations.filter(clinic_day=day).select_related("recorded_by")}
        conc = order.concentration_mg_per_ml if info(order.medication).liquid else None
        lines = [
            SlotLine(n, mg, conc, rules.ml_for(mg, conc) if conc else None, records.get(n))
            for n, mg in enumerate(slots, start=1)
        ]
        next_slot = next((line.slot for line in lines if line.record is None), None)
    injection_order = services.injection_order(patient, day)
    injection_due = False
    try:
        if order is not None:
            alerts += _dose_alerts(patient, order, day, slots) if slots else []
            alerts += _ecg_alerts(patient, order, day)
        if injection_order is not None:
            more, injection_due = _injection_alerts(patient, injection_order, day)
            alerts += more
    except ValidationError as exc:  # the program's rule settings are invalid: say so, do not fail the card
        alerts.append(Alert("override", " ".join(exc.messages)))
    returns_due = list(patient.take_homes.filter(returned_on__isnull=True, last_day__lt=day).order_by("first_day"))
    for take_home in returns_due:
        alerts.append(
            Alert(
                "warn",
                f"Take-home bottles due back: {take_home.bottles} for {take_home.first_day:%Y-%m-%d} to "
                f"{take_home.last_day:%Y-%m-%d} (lot {take_home.lot_number}). Check the empties.",
            )
        )
    return Card(
        patient=patient,
        site=site,
        day=day,
        order=order,
        slots=lines,
        next_slot=next_slot,
        hold=services.active_hold(patient),
        guest=site is not None and patient.site_id is not None and patient.site_id != site.pk,
        alerts=alerts,
        injection_order=injection_order,
        injection_due=injection_due,
        returns_due=returns_due,
    )


def _dose_form(card: Card, data: Any = None) -> DoseForm | None:
    if card.order is None or not card.slots:
        return None
    return DoseForm(
        data,
        slots=[line.mg for line in card.slots],
        liquid=card.liquid,
        # A bound form keeps every field, so a hold placed meanwhile is reported by the service.
        on_hold=card.hold is not None and data is None,
        next_slot=card.next_slot,
    )


def _surface_hidden_errors(form: Any) -> None:
    """Errors on hidden fields (the key, a single slot) would not be seen: show them at the top."""
    if form is None or not form.is_bound:
        return
    for name, errors in list(form.errors.items()):
        if name in form.fields and form.fields[name].widget.is_hidden:
            form.add_error(None, list(errors))


def _render_card(request: AuthedRequest, card: Card, **forms: Any) -> HttpResponse:
    day = card.day
    for name in ("dose_form", "take_home_form", "injection_form"):
        _surface_hidden_errors(forms.get(name))
    context: dict[str, Any] = {
        "nav": "window",
        "card": card,
        "patient": card.patient,
        "site": card.site,
        "queue_url": reverse("meds:window") + (f"?{urlencode({'site': card.site.pk})}" if card.site else ""),
        "age": card.patient.age_on(day),
        "recent": card.patient.administrations.select_related("order", "recorded_by", "site").order_by(
            "-clinic_day", "-slot"
        )[:7],
        "dose_form": forms.get("dose_form", _dose_form(card)),
        "dose_outcome": forms.get("dose_outcome"),
        "take_home_form": forms.get("take_home_form", TakeHomeForm(day=day)),
        "take_home_override": forms.get("take_home_override", []),
        "return_forms": [
            (t, forms.get(f"return_{t.pk}") or TakeHomeReturnForm(take_home_id=t.pk)) for t in card.returns_due
        ],
        "injection_form": forms.get("injection_form", InjectionForm()),
        "injection_override": forms.get("injection_override", []),
        "take_home_limit": None,
        "eligibility": services.latest_eligibility(card.patient),
    }
    with contextlib.suppress(ValidationError):  # no open episode: no take-homes
        context["take_home_limit"] = services.take_home_limit(card.patient, day)
    template = "meds/window/card.html"
    if forms.get("partial") and request.htmx:  # type: ignore[attr-defined]
        template = "meds/window/dose_response.html"
    with timezone.override(card.patient.program.zone):  # times as the clinic reads them
        return render(request, template, context)


@login_required
@require_GET
def card(request: AuthedRequest, patient_id: int) -> HttpResponse:
    user = _nurse(request)
    patient = patient_for(user, patient_id, Need.DISPENSE, action="read", object_type="dosing_card")
    return _render_card(request, _card(patient, _working_site(user, request.GET.get("site"))))


@login_required
@require_POST
def dose(request: AuthedRequest, patient_id: int) -> HttpResponse:
    """Record one slot. A resubmitted form (same key) returns the first record, never a second."""
    user = _nurse(request)
    patient = patient_for(user, patient_id, Need.DISPENSE, action="dispense", object_type="dosing_card")
    card = _card(patient, _working_site(user, request.POST.get("site")))
    form = _dose_form(card, request.POST)
    outcome = DoseOutcome()
    if form is None:
        messages.error(request, "No window dose is ordered for today; nothing was recorded.")
        return _render_card(request, card)
    if form.is_valid():
        data = form.cleaned_data
        try:
            record, created = services.record_administration(
                user,
                patient,
                services.AdministrationInput(
                    idempotency_key=data["idempotency_key"],
                    slot=data["slot"],
                    outcome=data["outcome"],
                    amount_mg=data.get("amount_mg"),
                    concentration_mg_per_ml=data.get("concentration_mg_per_ml"),
                    identity_checked=bool(data.get("identity_checked")),
                    notes=data.get("notes", ""),
                ),
                site=card.site,
                day=card.day,
            )
        except services.OnHold as exc:
            outcome.hold_message = " ".join(exc.messages)
        except services.OverrideRequired as exc:
            outcome.override = exc.findings
        except services.AlreadyRecorded as exc:
            outcome.already = exc.existing
        except services.KeyReused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            outcome.record, outcome.created = record, created
            if not created:
                outcome.already = record
    if outcome.hold_message or outcome.override:
        # A hold may have been placed just now (missed days): show the card as it is, with a fresh form.
        card = _card(patient, card.site)
        form = _dose_form(card)
    elif outcome.record or outcome.already:
        card = _card(patient, card.site)  # today's slots now show the record
    return _render_card(request, card, dose_form=form, dose_outcome=outcome, partial=True)


@login_required
@require_POST
def take_home(request: AuthedRequest, patient_id: int) -> HttpResponse:
    user = _nurse(request)
    patient = patient_for(user, patient_id, Need.DISPENSE, action="dispense", object_type="take_home")
    site, day = _working_site(user, request.POST.get("site")), patient.program.clinic_day()
    form = TakeHomeForm(request.POST, day=day)
    override: list[rules.Finding] = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            record, created = services.dispense_take_home(
                user,
                patient,
                idempotency_key=data["idempotency_key"],
                first_day=data["first_day"],
                last_day=data["last_day"],
                lot_number=data["lot_number"],
                site=site,
                day=day,
            )
        except services.OverrideRequired as exc:
            override = exc.findings
        except services.KeyReused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            what = "Take-home handed over" if created else "Already recorded; nothing was handed over twice"
            messages.success(
                request,
                f"{what}: {record.bottles} bottle(s) of {_mg(record.dose_mg_per_bottle)} mg for "
                f"{record.first_day:%Y-%m-%d} to {record.last_day:%Y-%m-%d}, lot {record.lot_number}.",
            )
            return redirect(_card_url(patient.pk, site))
    return _render_card(request, _card(patient, site), take_home_form=form, take_home_override=override)


@login_required
@require_POST
def take_home_return(request: AuthedRequest, patient_id: int, take_home_id: int) -> HttpResponse:
    user = _nurse(request)
    patient = patient_for(user, patient_id, Need.DISPENSE, action="dispense", object_type="take_home_return")
    take_home = get_object_or_404(TakeHomeDispense, pk=take_home_id, patient=patient)
    site = _working_site(user, request.POST.get("site"))
    form = TakeHomeReturnForm(request.POST, take_home_id=take_home.pk)
    if form.is_valid():
        try:
            services.check_take_home_return(
                user,
                patient,
                take_home,
                bottles_returned=form.cleaned_data["bottles_returned"],
                note=form.cleaned_data["return_note"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request, f"Return checked: {take_home.bottles_returned} of {take_home.bottles} bottle(s) back."
            )
            return redirect(_card_url(patient.pk, site))
    return _render_card(request, _card(patient, site), **{f"return_{take_home.pk}": form})


@login_required
@require_POST
def injection(request: AuthedRequest, patient_id: int) -> HttpResponse:
    user = _nurse(request)
    patient = patient_for(user, patient_id, Need.DISPENSE, action="dispense", object_type="injection")
    site = _working_site(user, request.POST.get("site"))
    form = InjectionForm(request.POST)
    override: list[rules.Finding] = []
    if form.is_valid():
        try:
            given, created = services.give_injection(
                user,
                patient,
                idempotency_key=form.cleaned_data["idempotency_key"],
                body_site=form.cleaned_data["body_site"],
                lot_number=form.cleaned_data["lot_number"],
            )
        except services.OverrideRequired as exc:
            override = exc.findings
        except services.KeyReused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            what = "Injection recorded" if created else "Already recorded; nothing was recorded twice"
            messages.success(
                request,
                f"{what}: {info(given.medication).label} {_mg(given.dose_mg)} mg, "
                f"{given.get_body_site_display().lower()}, lot {given.lot_number}.",
            )
            return redirect(_card_url(patient.pk, site))
    return _render_card(request, _card(patient, site), injection_form=form, injection_override=override)


urlpatterns: list[URLPattern] = [
    path("window/", queue, name="window"),
    path("window/search/", search, name="window_search"),
    path("window/patients/<int:patient_id>/", card, name="window_card"),
    path("window/patients/<int:patient_id>/dose/", dose, name="window_dose"),
    path("window/patients/<int:patient_id>/take-home/", take_home, name="window_take_home"),
    path(
        "window/patients/<int:patient_id>/take-home/<int:take_home_id>/return/",
        take_home_return,
        name="window_take_home_return",
    ),
    path("window/patients/<int:patient_id>/injection/", injection, name="window_injection"),
]
