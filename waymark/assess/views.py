"""Instrument pages: a patient's assessments (history by instrument, newest
first, with bands and flags; the COWS chart against hours since last use or
since the first dose) and the record-an-instrument form generated from the
instrument's definition.

Thin views: patients come from `patient_for` (checked and audited; off the care
team, the break-glass form), writes from services.py, whose errors are put
next to the fields (422, nothing saved)."""

import math
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from waymark.assess import instruments, services
from waymark.assess.forms import LANGUAGE_NAMES, InstrumentForm, field_name, worded_language
from waymark.assess.instruments import Instrument, UnknownInstrument
from waymark.chart.access import Need
from waymark.chart.models import Patient
from waymark.chart.views import patient_for_request
from waymark.core.roles import Cap
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors


def _patient(request: AuthedRequest, patient_id: int, need: Need, object_type: str = "instruments") -> Any:
    return patient_for_request(request, patient_id, need, object_type)


def _instrument(code: str) -> Instrument:
    try:
        return instruments.to_give(code)
    except UnknownInstrument:
        raise Http404("No such instrument.") from None


# --- The COWS chart: geometry for a server-rendered SVG ---------------------------------------------------

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT_GUTTER, TOP, BOTTOM = 44, 168, 12, 44
PLOT_RIGHT = WIDTH - RIGHT_GUTTER
PLOT_BOTTOM = HEIGHT - BOTTOM
MAX_COWS = 48
# Light tints that keep dark text readable (contrast above 4.5:1 with #1a1a1a).
BAND_FILLS = {
    "below-mild": "#eef6ef",
    "mild": "#fdf6d8",
    "moderate": "#fde9cf",
    "moderately-severe": "#fbdcca",
    "severe": "#f6cccc",
}
HOUR_STEPS = (0.5, 1, 2, 3, 4, 6, 8, 12, 24, 48, 72, 96, 168, 336)
AXIS_WORDS = {services.LAST_USE: "hours since last use", services.FIRST_DOSE: "hours since first dose"}


@dataclass(frozen=True)
class BandRegion:
    code: str
    label: str
    y: float
    height: float
    label_y: float
    fill: str


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class CowsChart:
    bands: tuple[BandRegion, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    dots: tuple[Dot, ...]
    line: str  # polyline points
    axis_label: str
    description: str


def _y(total: float) -> float:
    return round(PLOT_BOTTOM - (PLOT_BOTTOM - TOP) * total / MAX_COWS, 1)


def _hours_label(hours: float) -> str:
    return f"{hours:g} h"


def _x_domain(hours: list[float]) -> tuple[float, float, float]:
    low, high = min([0.0, *hours]), max([1.0, *hours])
    step = next((s for s in HOUR_STEPS if (high - low) / s <= 8), HOUR_STEPS[-1])
    start, end = math.floor(low / step) * step, math.ceil(high / step) * step
    return start, max(end, start + step), step


def cows_chart(series: services.CowsSeries) -> CowsChart | None:
    points = [(p, p.hours) for p in series.points if p.hours is not None]
    if not points:
        return None
    hours = [h for _, h in points]
    start, end, step = _x_domain(hours)

    def x(h: float) -> float:
        return round(LEFT + (PLOT_RIGHT - LEFT) * (h - start) / (end - start), 1)

    bands = []
    for band in instruments.COWS.bands:
        low, high = max(band.low - 0.5, 0), min(band.high + 0.5, MAX_COWS)
        top, bottom = _y(high), _y(low)
        bands.append(
            BandRegion(
                band.code,
                band.label,
                top,
                round(bottom - top, 1),
                round((top + bottom) / 2 + 4, 1),
                BAND_FILLS[band.code],
            )
        )
    n_ticks = round((end - start) / step)
    x_ticks = tuple(Tick(x(start + i * step), _hours_label(start + i * step)) for i in range(n_ticks + 1))
    y_ticks = tuple(Tick(_y(v), str(v)) for v in (0, 5, 13, 25, 37, 48))
    words = AXIS_WORDS[series.axis]
    dots = tuple(
        Dot(x(h), _y(p.total), f"{_hours_label(h)}: COWS {p.total}, {p.band_label.lower()}") for p, h in points
    )
    latest, latest_hours = points[-1]
    description = (
        f"COWS total (0 to 48) against {words} for {len(series.points)} assessment"
        f"{'s' if len(series.points) != 1 else ''}, from {_hours_label(hours[0])} to {_hours_label(hours[-1])}. "
        f"Latest: {latest.total}, {latest.band_label.lower()}, at {_hours_label(latest_hours)}. "
        "Shaded bands: below mild 0–4, mild 5–12, moderate 13–24, moderately severe 25–36, severe 37–48 "
        "(REFERENCE.md §1). The table below has the same data."
    )
    return CowsChart(
        bands=tuple(bands),
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        dots=dots,
        line=" ".join(f"{d.x},{d.y}" for d in dots),
        axis_label=words.capitalize(),
        description=description,
    )


# --- Pages ----------------------------------------------------------------------------------------------

ANSWERS_SHOWN = 10


def _page(request: AuthedRequest, patient: Patient) -> HttpResponse:
    axis = request.GET.get("axis", services.LAST_USE)
    if axis not in services.AXES:
        axis = services.LAST_USE
    history = services.instrument_history(patient)
    series = services.cows_series(patient, axis)
    # The latest of each instrument with an urgent flag (PHQ-9 item 9) goes at the top of the page.
    urgent = [h.latest for h in history if h.latest.urgent]
    context = {
        "patient": patient,
        "nav": "patients",
        "history": history,
        "urgent": urgent,
        "instruments": list(instruments.INSTRUMENTS.values()),
        "can_write": request.user.can(Cap.ASSESS_WRITE),
        "series": series,
        "chart": cows_chart(series),
        "axis": axis,
        "axis_words": AXIS_WORDS[axis],
        "axes": [(a, AXIS_WORDS[a].capitalize()) for a in services.AXES],
        "width": WIDTH,
        "height": HEIGHT,
        "plot": {
            "left": LEFT,
            "right": PLOT_RIGHT,
            "width": PLOT_RIGHT - LEFT,
            "top": TOP,
            "bottom": PLOT_BOTTOM,
            "label_x": PLOT_RIGHT + 6,
        },
        "break_glass": patient.opened_by_break_glass,
        # A 14-day detox has 80-odd COWS: the answers of the newest few, the rest on request.
        "answers_shown": ANSWERS_SHOWN,
        "all_answers": request.GET.get("answers") == "all",
    }
    return render(request, "assess/instruments.html", context)


@login_required
@require_GET
def assessments(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.READ)
    if isinstance(patient, HttpResponse):
        return patient
    return _page(request, patient)


@login_required
@require_http_methods(["GET", "POST"])
def record(request: AuthedRequest, patient_id: int, code: str) -> HttpResponse:
    patient = _patient(request, patient_id, Need.ASSESS, object_type="instrumentrecord")
    if isinstance(patient, HttpResponse):
        return patient
    instrument = _instrument(code)
    zone = patient.program.zone
    lang = worded_language(instrument, request.POST.get("language") or request.GET.get("lang", "en"))
    form = InstrumentForm(request.POST or None, instrument=instrument, zone=zone, lang=lang)
    if request.method == "POST" and form.is_valid():
        try:
            recorded = services.record_instrument(request.user, patient, form.to_input())
        except ValidationError as exc:
            _form_errors(form, _renamed(exc))
        else:
            return _after_record(request, patient, recorded)
    context = {
        "patient": patient,
        "nav": "patients",
        "instrument": instrument,
        "worded": form.worded,
        "form": form,
        "lang": lang,
        "other_languages": [(c, LANGUAGE_NAMES.get(c, c)) for c in instrument.languages if c != lang],
    }
    return render(request, "assess/instruments_record.html", context, status=422 if form.errors else 200)


def _renamed(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    renamed: dict[str, list[Any]] = {}
    for name, errors in exc.error_dict.items():
        renamed.setdefault(field_name(name), []).extend(errors)
    return ValidationError(renamed)


def _after_record(request: AuthedRequest, patient: Patient, recorded: services.Recorded) -> HttpResponse:
    view = services.describe(recorded.record)
    if not recorded.created:
        messages.info(request, "This was already recorded; nothing was saved twice.")
    else:
        band = f" ({view.band_label})" if view.band_label else ""
        messages.success(request, f"{view.instrument.short_name} recorded: {recorded.record.total}{band}.")
        for flag in view.flags:
            messages.add_message(request, messages.ERROR if flag.urgent else messages.INFO, flag.message)
    return redirect(f"{_page_url(patient)}#instrument-{recorded.record.instrument}")


def _page_url(patient: Patient) -> str:
    return reverse("assess:instruments", kwargs={"patient_id": patient.pk})


urlpatterns: list[URLPattern] = [
    path("patients/<int:patient_id>/instruments/", assessments, name="instruments"),
    path("patients/<int:patient_id>/instruments/<slug:code>/record/", record, name="record_instrument"),
]
