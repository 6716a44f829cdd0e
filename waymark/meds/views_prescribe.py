"""The medication section of the chart: what the care team reads (orders and
their versions, holds, recent doses, take-home limit and eligibility, ECGs,
readiness, co-use, injections) and what the prescriber writes (orders and
day-by-day plans, stops, holds, day overrides, eligibility).

Thin views: the patient comes from `patient_for` (checked and audited; off the
care team, the break-glass form), every write from services.py, whose rule
findings are shown before anything is saved."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET

from waymark.chart.access import Need
from waymark.chart.models import Patient
from waymark.chart.views import _patient_or_break_glass
from waymark.core.roles import Cap
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors
from waymark.meds import rules, schedules, services
from waymark.meds.forms_prescribe import (
    PLAN_KINDS,
    SUBLINGUAL_BUPRENORPHINE,
    CoUseForm,
    DayOverrideForm,
    EcgForm,
    EligibilityForm,
    OrderForm,
    PlaceHoldForm,
    PlanFormSet,
    ReadinessForm,
    ReleaseHoldForm,
    StopOrderForm,
    dose_range_error,
    doses_text,
    mg_text,
)
from waymark.meds.medications import Delivery, Medication, info
from waymark.meds.models import Hold, MedicationOrder

Status = MedicationOrder.Status
Kind = MedicationOrder.Kind
ADMINISTRATION_DAYS = 14


# --- Access ------------------------------------------------------------------------


def _prescriber(request: AuthedRequest, patient_id: int, object_type: str, object_id: object = "") -> Any:
    """Patient | HttpResponse (the break-glass form). Counsellors and nurses get 403."""
    action = "open_form" if request.method == "GET" else "write"
    return _patient_or_break_glass(
        request, patient_id, Need.PRESCRIBE, action=action, object_type=object_type, object_id=object_id
    )


def _clinician(request: AuthedRequest, patient_id: int, object_type: str) -> Any:
    """Patient | HttpResponse for ECGs and readiness checks, which nurses record at the
    window as well as prescribers (the services accept either capability). Each role
    asks with its own clinical need, so each keeps its own scope: a nurse (DISPENSE)
    any patient of the program, a prescriber (PRESCRIBE) the care team or break-glass.
    Anyone with neither capability, such as a counsellor, gets 403 from patient_for."""
    need = Need.PRESCRIBE if request.user.can(Cap.PRESCRIBE) else Need.DISPENSE
    action = "open_form" if request.method == "GET" else "write"
    return _patient_or_break_glass(request, patient_id, need, action=action, object_type=object_type)


def _page(patient: Patient, anchor: str = "") -> HttpResponse:
    response = redirect("meds:medication", patient_id=patient.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def _form_page(request: AuthedRequest, patient: Patient, form: forms.BaseForm | None, **context: Any) -> HttpResponse:
    return render(request, "meds/prescribe/form.html", {"patient": patient, "form": form, "nav": "patients", **context})


def _order_label(order: MedicationOrder) -> str:
    return f"{order.get_medication_display()} {mg_text(order.dose_mg)} mg a day (version {order.version})"


def _finding_message(request: AuthedRequest, finding: rules.Finding) -> None:
    level = messages.SUCCESS if finding.level is rules.Level.OK else messages.WARNING
    messages.add_message(request, level, finding.message)


# --- What the window sees today ---------------------------------------------------------


@dataclass
class WindowToday:
    order: MedicationOrder
    doses: str  # today's ordered doses, e.g. "60, 40"
    findings: list[rules.Finding]
    overridden: set[str]  # rule ids a prescriber has overridden for today

    @property
    def open_overrides(self) -> list[rules.Finding]:
        return [f for f in rules.needs_override(self.findings) if f.rule_id not in self.overridden]


def _window_today(patient: Patient, day: dt.date) -> WindowToday | None:
    """The findings the window would show for the next dose due today."""
    order = services.window_order(patient, day)
    if order is None:
        return None
    slots = services.ordered_slots(order, day)
    history = services.dose_history(patient, order, day)
    taken = len(history.taken_today_slots)
    findings = services.dose_findings(patient, order, day, slots[taken], history) if taken < len(slots) else []
    overridden = set(patient.rule_overrides.filter(clinic_day=day).values_list("rule_id", flat=True))
    return WindowToday(order, doses_text(slots), findings, overridden)


# --- The medication page ----------------------------------------------------------------


def _label_orders(orders: list[MedicationOrder]) -> None:
    for order in orders:
        order.doses_label = doses_text(order.slot_doses())  # type: ignore[attr-defined]
        order.dose_label = mg_text(order.dose_mg)  # type: ignore[attr-defined]
        order.plan = [  # type: ignore[attr-defined]
            {"day": p.day, "on": p.on, "doses": doses_text(p.slot_doses()), "total": mg_text(p.total_mg)}
            for p in order.plan_days.all()
        ]


def _ecg_alerts(
    orders: list[MedicationOrder], ecg_dates: list[dt.date], today: dt.date, s: rules.MedsSettings
) -> list[rules.Finding] | None:
    """ECGs due for the active methadone order (REFERENCE.md §6): baseline, 30 days, yearly, above
    100 mg. None when there is no active methadone order (the QTc alerts are methadone's)."""
    active = next((o for o in orders if o.is_active and o.medication == Medication.METHADONE), None)
    if active is None:
        return None
    series = sorted((o for o in orders if o.series == active.series), key=lambda o: o.version)
    above_since = rules.dose_above_since([(v.start_on, v.dose_mg) for v in series], s.ecg_dose_threshold_mg)
    return rules.ecg_due(
        started_on=series[0].start_on,
        today=today,
        ecg_dates=ecg_dates,
        daily_mg=active.dose_mg,
        above_threshold_since=above_since,
        s=s,
    )


def _injections_due(
    orders: list[MedicationOrder], injections: list[Any], today: dt.date, s: rules.MedsSettings
) -> list[dict[str, Any]]:
    due = []
    for order in orders:
        if order.is_active and info(order.medication).delivery is Delivery.INJECTION:
            last = next((i for i in injections if i.medication == order.medication), None)
            status = rules.injection_status(last.clinic_day, today, s) if last else None
            due.append({"order": order, "last": last, "status": status})
    return due


@login_required
@require_GET
def medication(request: AuthedRequest, patient_id: int) -> HttpResponse:
    user = request.user
    patient = _patient_or_break_glass(request, patient_id, Need.READ, action="read", object_type="medication")
    if isinstance(patient, HttpResponse):
        return patient
    today = patient.program.clinic_day()
    orders = list(
        patient.medication_orders.select_related("prescriber")
        .prefetch_related("plan_days")
        .order_by("-created_at", "-pk")
    )
    _label_orders(orders)
    ecgs = list(patient.ecgs.select_related("recorded_by").order_by("-taken_on", "-pk"))
    injections = list(patient.injections.select_related("given_by").order_by("-clinic_day")[:12])
    context: dict[str, Any] = {
        "patient": patient,
        "today": today,
        "nav": "patients",
        "break_glass": patient.opened_by_break_glass,
        "can_prescribe": user.can(Cap.PRESCRIBE),
        "can_record": user.can(Cap.PRESCRIBE) or user.can(Cap.DISPENSE),
        "active_orders": [o for o in orders if o.is_active],
        "orders": orders,
        "hold": patient.holds.filter(released_at__isnull=True).select_related("placed_by").first(),
        "release_form": ReleaseHoldForm(),
        "administrations": patient.administrations.filter(clinic_day__gt=today - dt.timedelta(days=ADMINISTRATION_DAYS))
        .select_related("order", "recorded_by")
        .order_by("-clinic_day", "slot"),
        "eligibility": patient.take_home_eligibility.select_related("practitioner").first(),
        "ecgs": ecgs,
        "readiness": patient.readiness_checks.select_related("recorded_by")[:10],
        "co_use": patient.co_use.select_related("recorded_by").order_by("-noted_on", "-pk")[:20],
        "injections": injections,
        "overrides": patient.rule_overrides.select_related("prescriber").order_by("-created_at")[:20],
    }
    try:
        s = services.settings_for(patient.program)
    except ValidationError as exc:
        context["rules_error"] = " ".join(exc.messages)
        return render(request, "meds/prescribe/medication.html", context)
    try:
        context["limit"] = services.take_home_limit(patient, today)
    except ValidationError as exc:
        context["limit_error"] = " ".join(exc.messages)
    for ecg in ecgs:
        ecg.finding = rules.qtc_finding(ecg.qtc_ms, s)  # type: ignore[attr-defined]
    alerts = _ecg_alerts(orders, [e.taken_on for e in ecgs], today, s)
    if alerts is not None and ecgs and ecgs[0].finding.level is not rules.Level.OK:  # type: ignore[attr-defined]
        alerts.insert(0, ecgs[0].finding)  # type: ignore[attr-defined]
    context["ecg_alerts"] = alerts or []
    context["injections_due"] = _injections_due(orders, injections, today, s)
    context["window"] = _window_today(patient, today)
    return render(request, "meds/prescribe/medication.html", context)


# --- Orders and plans ---------------------------------------------------------------------


def _order_initial(base: MedicationOrder | None, today: dt.date, medication: str | None) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "kind": Kind.MAINTENANCE,
        "frequency": MedicationOrder.Frequency.DAILY,
        "start_on": today,
        "taper_interval_days": 7,
        "taper_floor_mg": 0,
    }
    if base is None:
        if medication in {m.value for m in Medication}:
            initial["medication"] = medication
        return initial
    has_plan = bool(base.plan_days.all())
    initial.update(
        medication=base.medication,
        kind=base.kind,
        slot_doses_mg=doses_text(base.slot_doses()),
        concentration_mg_per_ml=base.concentration_mg_per_ml,
        frequency=base.frequency,
        start_on=base.start_on if has_plan else today,
        stop_on=None if has_plan else base.stop_on,
        instructions=base.instructions,
        taper_start_mg=mg_text(base.dose_mg),
    )
    return initial


def _plan_rows(base: MedicationOrder) -> list[dict[str, str]]:
    """An existing plan as editable rows, one per day from the order's start."""
    days = {p.on: p for p in base.plan_days.all()}
    if not days:
        return []
    count = (max(days) - base.start_on).days + 1
    rows = []
    for n in range(count):
        plan_day = days.get(base.start_on + dt.timedelta(days=n))
        rows.append({"doses": doses_text(plan_day.slot_doses()) if plan_day else ""})
    return rows


def _generate(data: dict[str, Any]) -> list[schedules.PlanDay]:
    """A taper or a low-dose induction from the form's parameters; ValidationError says what is missing."""
    start: dt.date = data["start_on"]
    if data["kind"] == Kind.LOW_DOSE_INDUCTION:
        if data["medication"] not in SUBLINGUAL_BUPRENORPHINE:
            raise ValidationError({"medication": "A low-dose induction is for sublingual buprenorphine."})
        return schedules.low_dose_buprenorphine_induction(start)
    needed = ("taper_start_mg", "taper_step_mg", "taper_interval_days")
    missing = {name: "Needed to generate a taper." for name in needed if data.get(name) is None}
    if missing:
        raise ValidationError(missing)
    problem = dose_range_error(data["medication"], (data["taper_start_mg"],))
    if problem:
        raise ValidationError({"taper_start_mg": problem})
    try:
        return schedules.taper_plan(
            start,
            data["taper_start_mg"],
            data["taper_step_mg"],
            data["taper_interval_days"],
            data["taper_floor_mg"] or Decimal(0),
        )
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def _apply_errors(form: OrderForm, formset: Any, exc: ValidationError) -> None:
    """Service errors next to their fields; a plan day's next to that day's row."""
    if formset is not None and hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            if key.startswith("plan day "):
                index = int(key.removeprefix("plan day ")) - 1
                if 0 <= index < len(formset.forms):
                    formset.forms[index].add_error("doses", errors)
                    continue
            form.add_error(key if key in form.fields else None, errors)
        return
    _form_errors(form, exc)


def _order_input(form: OrderForm, formset: Any) -> services.OrderInput | None:
    """The order as typed, or None after putting range errors on the plan's rows."""
    data = form.cleaned_data
    plan: tuple[schedules.PlanDay, ...] = ()
    if formset is not None:
        start: dt.date = data["start_on"]
        for row in formset.forms:
            problem = dose_range_error(data["medication"], row.cleaned_data["doses"])
            if problem:
                row.add_error("doses", problem)
        if any(row.errors for row in formset.forms):
            return None
        plan = tuple(
            schedules.PlanDay(n + 1, start + dt.timedelta(days=n), row.cleaned_data["doses"])
            for n, row in enumerate(formset.forms)
        )
    return services.OrderInput(
        medication=Medication(data["medication"]),
        slot_doses_mg=plan[0].slot_doses_mg if plan else data["doses"],
        start_on=data["start_on"],
        kind=data["kind"],
        concentration_mg_per_ml=data.get("concentration_mg_per_ml"),
        frequency=data["frequency"],
        stop_on=plan[-1].on if plan else data.get("stop_on"),
        instructions=data.get("instructions", "").strip(),
        change_reason=data.get("change_reason", "").strip(),
        plan=plan,
    )


def _posted_plan_rows(post: Any) -> int:
    try:
        return int(post.get("plan-TOTAL_FORMS", 0))
    except ValueError:
        return 0


def _order_forms(
    request: AuthedRequest, patient: Patient, base: MedicationOrder | None, initial: dict[str, Any]
) -> tuple[OrderForm, Any]:
    """The order form and its plan table for this request: as first shown, after
    "Generate plan" (a fresh table), after "Discard plan" (none), or as posted to save."""
    today = patient.program.clinic_day()
    kwargs: dict[str, Any] = {
        "initial": initial,
        "replacing": {o.medication: o for o in services.active_orders(patient)},
        "today": today,
        "changing": base is not None,
    }
    if request.method != "POST":
        rows = _plan_rows(base) if base is not None else []
        return OrderForm(with_plan=bool(rows), **kwargs), PlanFormSet(initial=rows, prefix="plan") if rows else None
    post = request.POST
    posted_rows = _posted_plan_rows(post)
    action = post.get("action", "save")
    if action == "discard_plan":
        kwargs["initial"] = {**initial, **post.dict()}
        return OrderForm(**kwargs), None
    if action != "generate":
        return OrderForm(post, with_plan=posted_rows > 0, **kwargs), PlanFormSet(
            post, prefix="plan"
        ) if posted_rows else None
    form = OrderForm(post, with_plan=True, generating=True, **kwargs)
    formset = PlanFormSet(post, prefix="plan") if posted_rows else None
    if form.is_valid():
        try:
            plan = _generate(form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            formset = PlanFormSet(initial=[{"doses": doses_text(p.slot_doses_mg)} for p in plan], prefix="plan")
    return form, formset


def _save_order(
    request: AuthedRequest, patient: Patient, form: OrderForm, formset: Any
) -> tuple[MedicationOrder | None, list[rules.Finding]]:
    """Check the rules first: findings that need an override are shown, and the order
    is saved only once the prescriber has given a reason. Errors go on the form."""
    valid = form.is_valid()
    if formset is not None and not formset.is_valid():
        valid = False
    data = _order_input(form, formset) if valid else None
    if data is None:
        return None, []
    override = form.cleaned_data.get("override_reason", "").strip()
    findings: list[rules.Finding] = []
    try:
        findings = services.check_order(patient, data)
        if rules.needs_override(findings) and not override:
            raise services.OverrideRequired(rules.needs_override(findings))
        order, warnings = services.prescribe(request.user, patient, data, override_reason=override)
    except services.OverrideRequired as exc:
        form.add_error(None, "The findings below need your written reason before this order can be saved.")
        return None, findings or exc.findings
    except ValidationError as exc:
        _apply_errors(form, formset, exc)
    except IntegrityError:
        form.add_error(None, "Another order for this medication was saved at the same moment; reload and check.")
    else:
        messages.success(request, f"Order saved: {_order_label(order)}.")
        for finding in warnings:
            messages.warning(request, finding.message)
        return order, findings
    return None, findings


def _order_page(request: AuthedRequest, patient: Patient, base: MedicationOrder | None) -> HttpResponse:
    initial = _order_initial(base, patient.program.clinic_day(), request.GET.get("medication"))
    form, formset = _order_forms(request, patient, base, initial)
    findings: list[rules.Finding] = []
    if request.method == "POST" and request.POST.get("action", "save") == "save":
        order, findings = _save_order(request, patient, form, formset)
        if order is not None:
            return _page(patient, "orders")
    return render(
        request,
        "meds/prescribe/order_form.html",
        {
            "patient": patient,
            "form": form,
            "formset": formset,
            "plan_rows": _rows_with_dates(form, formset, initial),
            "base": base,
            "base_label": _order_label(base) if base else "",
            "findings": findings,
            "show_override": bool(rules.needs_override(findings)) or bool(form["override_reason"].value()),
            "plan_kinds": sorted(PLAN_KINDS),
            "nav": "patients",
        },
    )


def _rows_with_dates(form: OrderForm, formset: Any, initial: dict[str, Any]) -> list[tuple[Any, dt.date | None]]:
    if formset is None:
        return []
    start = None
    if form.is_bound:
        try:
            start = form.fields["start_on"].clean(form["start_on"].value())
        except ValidationError:
            start = None
    else:
        start = initial.get("start_on")
    return [(row, start + dt.timedelta(days=n) if start else None) for n, row in enumerate(formset.forms)]


@login_required
def order_new(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _prescriber(request, patient_id, "order")
    if isinstance(patient, HttpResponse):
        return patient
    return _order_page(request, patient, None)


@login_required
def order_change(request: AuthedRequest, patient_id: int, order_id: int) -> HttpResponse:
    patient = _prescriber(request, patient_id, "order", order_id)
    if isinstance(patient, HttpResponse):
        return patient
    order = get_object_or_404(MedicationOrder.objects.prefetch_related("plan_days"), pk=order_id, patient=patient)
    if not order.is_active:
        messages.error(request, f"{_order_label(order)} is no longer active; change the active version.")
        return _page(patient, "orders")
    return _order_page(request, patient, order)


@login_required
def order_stop(request: AuthedRequest, patient_id: int, order_id: int) -> HttpResponse:
    patient = _prescriber(request, patient_id, "order", order_id)
    if isinstance(patient, HttpResponse):
        return patient
    order = get_object_or_404(MedicationOrder, pk=order_id, patient=patient)
    if not order.is_active:
        messages.error(request, f"{_order_label(order)} is not active.")
        return _page(patient, "orders")
    form = StopOrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.stop_order(request.user, patient, order, form.cleaned_data["reason"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Stopped: {_order_label(order)}.")
            return _page(patient, "orders")
    return _form_page(
        request,
        patient,
        form,
        heading=f"Stop {order.get_medication_display()}",
        lead=f"{_order_label(order)}, started {order.start_on:%Y-%m-%d}. The window stops dispensing it at once.",
        submit="Stop the order",
    )


# --- Holds and day overrides ------------------------------------------------------------------


@login_required
def hold_place(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _prescriber(request, patient_id, "hold")
    if isinstance(patient, HttpResponse):
        return patient
    existing = services.active_hold(patient)
    if existing is not None:
        since = timezone.localtime(existing.placed_at, patient.program.zone)
        messages.info(request, f"Already on hold since {since:%Y-%m-%d %H:%M}.")
        return _page(patient, "hold")
    form = PlaceHoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.place_hold(request.user, patient, reason=Hold.Reason.PRESCRIBER, note=form.cleaned_data["note"])
        messages.success(request, "Hold placed. No dose is given at the window until a prescriber releases it.")
        return _page(patient, "hold")
    return _form_page(request, patient, form, heading="Place a hold", submit="Place the hold")


@login_required
def hold_release(request: AuthedRequest, patient_id: int, hold_id: int) -> HttpResponse:
    patient = _prescriber(request, patient_id, "hold", hold_id)
    if isinstance(patient, HttpResponse):
        return patient
    hold = get_object_or_404(Hold, pk=hold_id, patient=patient)
    since = timezone.localtime(hold.placed_at, patient.program.zone)
    if hold.released_at is not None:
        messages.info(request, "That hold was already released.")
        return _page(patient, "hold")
    form = ReleaseHoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.release_hold(request.user, patient, hold, form.cleaned_data["note"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Hold released; dosing can resume.")
            return _page(patient, "hold")
    return _form_page(
        request,
        patient,
        form,
        heading="Release the hold",
        lead=f"{hold.get_reason_display()} since {since:%Y-%m-%d %H:%M}. {hold.note}",
        submit="Release the hold",
    )


@login_required
def day_override(request: AuthedRequest, patient_id: int) -> HttpResponse:
    """Clear one window finding for today (for example COWS below the threshold), with a reason."""
    patient = _prescriber(request, patient_id, "rule_override")
    if isinstance(patient, HttpResponse):
        return patient
    today = patient.program.clinic_day()
    window = _window_today(patient, today)
    pending: dict[str, str] = {}
    for finding in window.open_overrides if window else []:
        pending[finding.rule_id] = f"{pending.get(finding.rule_id, '')} {finding.message}".strip()
    form = DayOverrideForm(request.POST or None, choices=list(pending.items()))
    if request.method == "POST" and form.is_valid():
        try:
            services.override_for_day(
                request.user,
                patient,
                rule_id=form.cleaned_data["rule_id"],
                day=today,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Override recorded for {today:%Y-%m-%d} at the window.")
            return _page(patient, "window")
    return _form_page(
        request,
        patient,
        form if pending else None,
        heading=f"Override a window finding for {today:%Y-%m-%d}",
        lead="" if pending else "Nothing at the window needs an override today.",
        findings=window.findings if window else [],
        submit="Record the override",
    )


# --- Take-home eligibility, ECG, readiness, co-use --------------------------------------------------


@login_required
def take_home_eligibility(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _prescriber(request, patient_id, "take_home_eligibility")
    if isinstance(patient, HttpResponse):
        return patient
    today = patient.program.clinic_day()
    form = EligibilityForm(request.POST or None, today=today, initial={"assessed_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            record = services.record_eligibility(request.user, patient, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            verdict = "eligible for take-homes" if record.eligible else "not eligible for take-homes"
            messages.success(request, f"Eligibility recorded: {verdict}.")
            return _page(patient, "take-homes")
    return _form_page(
        request,
        patient,
        form,
        heading="Take-home eligibility",
        lead="Document each consideration of 42 CFR 8.12(i); benefits must outweigh the risks.",
        submit="Record eligibility",
    )


@login_required
def ecg_new(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _clinician(request, patient_id, "ecg")
    if isinstance(patient, HttpResponse):
        return patient
    today = patient.program.clinic_day()
    form = EcgForm(request.POST or None, today=today, initial={"taken_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            ecg = services.record_ecg(request.user, patient, **form.cleaned_data)
            finding = rules.qtc_finding(ecg.qtc_ms, services.settings_for(patient.program))
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            _finding_message(request, finding)
            return _page(patient, "ecgs")
    return _form_page(request, patient, form, heading="Record an ECG", submit="Save the ECG")


@login_required
def readiness_new(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _clinician(request, patient_id, "readiness")
    if isinstance(patient, HttpResponse):
        return patient
    initial = {"check_for": request.GET.get("for", "buprenorphine")}
    form = ReadinessForm(
        request.POST or None, today=patient.program.clinic_day(), zone=patient.program.zone, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            check = services.record_readiness(request.user, patient, **form.service_fields())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Readiness check recorded ({check.get_check_for_display()}).")
            return _page(patient, "readiness")
    return _form_page(request, patient, form, heading="Readiness check", submit="Save the check")


@login_required
def co_use_new(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _prescriber(request, patient_id, "co_use")
    if isinstance(patient, HttpResponse):
        return patient
    today = patient.program.clinic_day()
    form = CoUseForm(request.POST or None, today=today, initial={"noted_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_co_use(request.user, patient, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Co-use noted. The window shows it as a warning; medication is not withheld.")
            return _page(patient, "co-use")
    return _form_page(request, patient, form, heading="Note benzodiazepine or alcohol co-use", submit="Save the note")


urlpatterns: list[URLPattern] = [
    path("patients/<int:patient_id>/", medication, name="medication"),
    path("patients/<int:patient_id>/orders/new/", order_new, name="order_new"),
    path("patients/<int:patient_id>/orders/<int:order_id>/change/", order_change, name="order_change"),
    path("patients/<int:patient_id>/orders/<int:order_id>/stop/", order_stop, name="order_stop"),
    path("patients/<int:patient_id>/hold/", hold_place, name="hold_place"),
    path("patients/<int:patient_id>/holds/<int:hold_id>/release/", hold_release, name="hold_release"),
    path("patients/<int:patient_id>/override/", day_override, name="day_override"),
    path("patients/<int:patient_id>/take-home-eligibility/", take_home_eligibility, name="take_home_eligibility"),
    path("patients/<int:patient_id>/ecgs/new/", ecg_new, name="ecg_new"),
    path("patients/<int:patient_id>/readiness/new/", readiness_new, name="readiness_new"),
    path("patients/<int:patient_id>/co-use/new/", co_use_new, name="co_use_new"),
]
