"""The daily dispensing log (page, print, CSV) and its sign-off, stock pages and
naloxone kits.

Thin views: input is parsed by forms_log, every read and write goes through
stock.py (which checks who may and audits), patients come only from
`patient_for` or `search_patients`. No patient id or name is ever put in a URL
here except the chart-style /meds/patients/<id>/naloxone/ path.
"""

import csv
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from waymark.chart.access import BreakGlassRequired, Need, patient_for, searchable_patients
from waymark.chart.models import Patient
from waymark.chart.search import search_patients
from waymark.core.models import Site, User
from waymark.core.roles import Cap
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors
from waymark.meds import services, stock
from waymark.meds.forms_log import (
    LogDayForm,
    NaloxoneKitForm,
    NaloxoneMonthForm,
    ReconciliationForm,
    SignOffForm,
    StockCountForm,
    StockLotForm,
    StockMovementForm,
)
from waymark.meds.medications import Medication
from waymark.meds.models import StockCount, StockLot, StockMovement
from waymark.meds.rules import mg

SEARCH_PAGE_SIZE = 10


def _log_keeper(request: AuthedRequest) -> User:
    user = request.user
    if not stock.may_keep_log(user):
        raise PermissionDenied("The dispensing log and stock are for nurses and program admins.")
    return user


def _site(user: User, raw: str | None) -> Site:
    """The site asked for (one of the program's), else the user's own, else the program's first."""
    if raw:
        site = stock.program_sites(user).filter(pk=int(raw)).first() if raw.isdigit() else None
    else:
        site = stock.default_site(user)
    if site is None:
        raise Http404("No such site in your program.")
    return site


def _log_url(day: dt.date, site: Site) -> str:
    return f"{reverse('meds:log')}?{urlencode({'day': day.isoformat(), 'site': str(site.pk)})}"


# --- The dispensing log -----------------------------------------------------------------------


def _log_form(request: AuthedRequest, user: User) -> tuple[LogDayForm, Site | None, dt.date | None]:
    """The day and site asked for, defaulting to today and the user's site; (form, None, None) if invalid."""
    site = _site(user, request.GET.get("site"))
    today = site.program.clinic_day()
    data = {"day": request.GET.get("day") or today.isoformat(), "site": str(site.pk)}
    form = LogDayForm(data, program_id=user.program_pk)
    if not form.is_valid():
        return form, None, None
    return form, site, form.cleaned_data["day"]


@login_required
@require_GET
def log_day(request: AuthedRequest) -> HttpResponse:
    user = _log_keeper(request)
    form, site, day = _log_form(request, user)
    log = None
    if site is not None and day is not None:
        try:
            log = stock.dispensing_log(user, site, day)
        except ValidationError as exc:
            _form_errors(form, exc)
    program = site.program if site is not None else user.staff_program
    context: dict[str, Any] = {
        "nav": "log",
        "form": form,
        "log": log,
        "program": program,
        "today": program.clinic_day(),
        "can_sign": user.can(Cap.DISPENSE),
        "signed_by_me": log is not None and any(r.nurse_id == user.pk for r in log.sign_offs),
        "mine": sum(1 for line in log.lines if line.dispenser_id == user.pk) if log else 0,
        "printed_at": timezone.localtime(timezone.now(), program.zone),
    }
    with timezone.override(program.zone):
        return render(request, "meds/log/day.html", context, status=200 if log is not None else 400)


@login_required
@require_GET
def log_csv(request: AuthedRequest) -> HttpResponse:
    user = _log_keeper(request)
    form, site, day = _log_form(request, user)
    if site is None or day is None:
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponse(problems, status=400, content_type="text/plain; charset=utf-8")
    try:
        log = stock.dispensing_log(user, site, day, action="export_csv")
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dispensing-log-site{site.pk}-{day:%Y-%m-%d}.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(stock.CSV_HEADER)
    writer.writerows(stock.csv_rows(log))
    return response


@login_required
@require_POST
def log_sign_off(request: AuthedRequest) -> HttpResponse:
    user = _log_keeper(request)
    if not user.can(Cap.DISPENSE):
        raise PermissionDenied("Only nurses who dispense sign the log.")
    form = SignOffForm(request.POST, program_id=user.program_pk)
    if not form.is_valid():
        messages.error(request, "Choose a day and one of the program's sites to sign.")
        return redirect("meds:log")
    site, day = form.cleaned_data["site"], form.cleaned_data["day"]
    try:
        record = stock.sign_off(user, site, day)
    except stock.AlreadySigned as exc:
        messages.info(request, " ".join(exc.messages))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Signed the log for {day:%Y-%m-%d}: {record.entries} lines, {mg(record.total_mg)} mg."
        )
    if day > site.program.clinic_day():
        return redirect("meds:log")
    return redirect(_log_url(day, site))


# --- Stock ---------------------------------------------------------------------------------------


@login_required
@require_GET
def stock_home(request: AuthedRequest) -> HttpResponse:
    user = _log_keeper(request)
    site = _site(user, request.GET.get("site"))
    lots = (
        StockLot.objects.filter(site=site)
        .annotate(
            wasted_mg=Sum("movements__amount_mg", filter=Q(movements__kind=StockMovement.Kind.WASTED)),
            adjusted_mg=Sum("movements__amount_mg", filter=Q(movements__kind=StockMovement.Kind.ADJUSTED)),
        )
        .select_related("received_by")
        .order_by("-received_on", "-pk")[:50]
    )
    counts = StockCount.objects.filter(site=site).select_related("counted_by").order_by("-clinic_day", "-pk")[:20]
    today = site.program.clinic_day()
    reconciliation = ReconciliationForm(
        initial={"site": site, "medication": Medication.METHADONE, "start": today.replace(day=1), "end": today},
        program_id=user.program_pk,
    )
    context = {
        "nav": "stock",
        "site": site,
        "sites": list(stock.program_sites(user)),
        "lots": lots,
        "counts": counts,
        "today": today,
        "reconciliation_form": reconciliation,
    }
    with timezone.override(site.program.zone):
        return render(request, "meds/log/stock.html", context)


def _stock_form_page(request: AuthedRequest, form: Any, *, title: str, button: str, intro: str = "") -> HttpResponse:
    return render(
        request,
        "meds/log/stock_form.html",
        {"nav": "stock", "form": form, "title": title, "button": button, "intro": intro},
        status=400 if form.is_bound else 200,
    )


def _stock_redirect(site: Site) -> HttpResponse:
    return redirect(f"{reverse('meds:stock')}?{urlencode({'site': site.pk})}")


@login_required
def stock_receive(request: AuthedRequest) -> HttpResponse:
    user = _log_keeper(request)
    site = _site(user, request.GET.get("site"))
    form = StockLotForm(
        request.POST or None,
        program_id=user.program_pk,
        initial={"site": site, "received_on": site.program.clinic_day()},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        target = data.pop("site")
        try:
            lot = stock.receive_lot(user, target, **data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                f"Received lot {lot.lot_number}: {lot.get_medication_display()}, {mg(lot.received_mg)} mg.",
            )
            return _stock_redirect(target)
    return _stock_form_page(request, form, title="Receive a lot", button="Record the lot")


@login_required
def stock_movement(request: AuthedRequest) -> HttpResponse:
    user = _log_keeper(request)
    today = user.staff_program.clinic_day()
    form = StockMovementForm(request.POST or None, program_id=user.program_pk, initial={"clinic_day": today})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        lot = data.pop("lot")
        try:
            movement = stock.record_movement(user, lot, **data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                f"{movement.get_kind_display()}: {mg(movement.amount_mg)} mg from lot {lot.lot_number}.",
            )
            return _stock_redirect(lot.site)
    return _stock_form_page(
        request,
        form,
        title="Record waste or an adjustment",
        button="Record",
        intro="Every change to stock other than dispensing needs a reason; it is kept with your name.",
    )


@login_required
def stock_count(request: AuthedRequest) -> HttpResponse:
    user = _log_keeper(request)
    site = _site(user, request.GET.get("site"))
    form = StockCountForm(
        request.POST or None,
        program_id=user.program_pk,
        initial={"site": site, "clinic_day": site.program.clinic_day(), "medication": Medication.METHADONE},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        target = data.pop("site")
        try:
            count = stock.record_count(user, target, **data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Count recorded: {count.get_medication_display()}, {mg(count.counted_mg)} mg.")
            return _stock_redirect(target)
    return _stock_form_page(request, form, title="Record a physical count", button="Record the count")


@login_required
@require_GET
def stock_reconciliation(request: AuthedRequest) -> HttpResponse:
    user = _log_keeper(request)
    if not request.GET:
        site = _site(user, None)
        today = site.program.clinic_day()
        initial = {"site": site, "medication": Medication.METHADONE, "start": today.replace(day=1), "end": today}
        blank = ReconciliationForm(initial=initial, program_id=user.program_pk)
        return render(request, "meds/log/reconciliation.html", {"nav": "stock", "form": blank, "report": None})
    form = ReconciliationForm(request.GET, program_id=user.program_pk)
    report = None
    if form.is_valid():
        try:
            report = stock.reconcile(user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
    context = {"nav": "stock", "form": form, "report": report}
    return render(request, "meds/log/reconciliation.html", context, status=200 if report else 400)


# --- Naloxone kits --------------------------------------------------------------------------------


def _naloxone_giver(request: AuthedRequest) -> User:
    user = request.user
    if not stock.may_give_naloxone(user):
        raise PermissionDenied("Naloxone kits are given out by nurses, prescribers and counsellors.")
    return user


def _give(request: AuthedRequest, form: NaloxoneKitForm, patient: Patient) -> bool:
    """Record the kits from a valid form; True when done (a message is queued)."""
    data = form.cleaned_data
    try:
        kit, created = stock.give_naloxone_kit(
            request.user,
            patient,
            idempotency_key=data["idempotency_key"],
            count=data["count"],
            recipient=data["recipient"],
            recipient_name=data["recipient_name"],
            training_done=data["training_done"],
            lot_number=data["lot_number"],
            given_on=data["given_on"],
        )
    except services.KeyReused as exc:
        form.add_error(None, str(exc))
        return False
    except ValidationError as exc:
        _form_errors(form, exc)
        return False
    noun = "kit" if kit.count == 1 else "kits"
    if created:
        messages.success(request, f"Recorded {kit.count} naloxone {noun} for {patient.display_name}.")
    else:
        messages.info(request, f"Already recorded: {kit.count} naloxone {noun}. Nothing was recorded twice.")
    return True


@login_required
def naloxone(request: AuthedRequest) -> HttpResponse:
    """Kits for anyone the user may see: the patient is found by a posted search, picked by radio button."""
    user = _naloxone_giver(request)
    today = user.staff_program.clinic_day()
    query = request.POST.get("q", "").strip() if request.method == "POST" else ""
    result = search_patients(user, query, 1, SEARCH_PAGE_SIZE) if query else None
    if request.method == "POST" and (request.POST.get("find") or request.htmx):  # type: ignore[attr-defined]
        found: dict[str, Any] = {"result": result, "query": query, "chosen": None}
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, "meds/log/naloxone.html#choices", found)
        form = NaloxoneKitForm(initial={**request.POST.dict(), "given_on": request.POST.get("given_on") or today})
        return render(request, "meds/log/naloxone.html", {**found, "form": form, "nav": "naloxone"})
    form = NaloxoneKitForm(request.POST or None, initial={"given_on": today})
    chosen: Patient | None = None
    if request.method == "POST" and form.is_valid():
        raw = request.POST.get("patient", "")
        try:
            if not raw.isdigit():
                raise Http404
            chosen = patient_for(user, int(raw), Need.READ, action="write", object_type="naloxone_kit")
        except BreakGlassRequired:
            form.add_error(None, "This patient is not on your care team. Open their chart with emergency access first.")
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "You cannot record kits for this patient.")
        except Http404:
            form.add_error(None, "Choose the patient: search by name or MRN, then pick one.")
        else:
            if _give(request, form, chosen):
                return redirect("meds:naloxone")
    if chosen is None and request.POST.get("patient", "").isdigit():
        chosen = searchable_patients(user).filter(pk=int(request.POST["patient"])).first()
    context: dict[str, Any] = {"form": form, "result": result, "query": query, "chosen": chosen, "nav": "naloxone"}
    return render(request, "meds/log/naloxone.html", context, status=400 if request.method == "POST" else 200)


@login_required
def naloxone_for_patient(request: AuthedRequest, patient_id: int) -> HttpResponse:
    """From the chart: this patient's kits, and the form to record more."""
    user = request.user
    if not user.is_staff_member:
        raise PermissionDenied("This page is for the care team.")
    if request.method == "POST":
        _naloxone_giver(request)
    try:
        patient = patient_for(
            user,
            patient_id,
            Need.READ,
            action="write" if request.method == "POST" else "read",
            object_type="naloxone_kits",
        )
    except BreakGlassRequired:
        return redirect("break_glass", patient_id=patient_id)
    today = patient.program.clinic_day()
    form = None
    if stock.may_give_naloxone(user):
        form = NaloxoneKitForm(request.POST or None, initial={"given_on": today})
        if request.method == "POST" and form.is_valid() and _give(request, form, patient):
            return redirect("meds:naloxone_patient", patient_id=patient.pk)
    kits = patient.naloxone_kits.select_related("given_by").order_by("-given_on", "-pk")
    context = {"patient": patient, "form": form, "kits": kits, "nav": "patients"}
    return render(request, "meds/log/naloxone_patient.html", context, status=400 if request.method == "POST" else 200)


@login_required
@require_GET
def naloxone_report(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not stock.may_see_naloxone_report(user):
        raise PermissionDenied("The naloxone report is for clinical staff and program admins.")
    today = user.staff_program.clinic_day()
    form = NaloxoneMonthForm(request.GET)
    month = today
    if form.is_valid() and form.cleaned_data["month"]:
        month = form.cleaned_data["month"]
    if month > today:
        form.add_error("month", f"{month:%Y-%m} has not started yet.")
        month = today
    report = stock.naloxone_report(user, month)
    context = {"nav": "naloxone", "form": form, "report": report, "month": report[0], "program": user.staff_program}
    return render(request, "meds/log/naloxone_report.html", context, status=200 if form.is_valid() else 400)


urlpatterns: list[URLPattern] = [
    path("log/", log_day, name="log"),
    path("log.csv", log_csv, name="log_csv"),
    path("log/sign-off/", log_sign_off, name="log_sign_off"),
    path("stock/", stock_home, name="stock"),
    path("stock/receive/", stock_receive, name="stock_receive"),
    path("stock/movement/", stock_movement, name="stock_movement"),
    path("stock/count/", stock_count, name="stock_count"),
    path("stock/reconciliation/", stock_reconciliation, name="stock_reconciliation"),
    path("naloxone/", naloxone, name="naloxone"),
    path("naloxone/report/", naloxone_report, name="naloxone_report"),
    path("patients/<int:patient_id>/naloxone/", naloxone_for_patient, name="naloxone_patient"),
]
