"""Forms for counselling sessions, groups, attendance and DAP notes. They parse
what was typed; services_sessions.py and services_groups.py decide what may be
saved and say what is wrong, and the views put those errors next to the fields
(attendance errors next to the person's row). Times are the clinic's
wall-clock time."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone

from waymark.care import schedules
from waymark.care.models import Attendance, CareGroup, CounsellingSession, Modality
from waymark.care.services_groups import WEEKDAY_NAMES, GroupInput
from waymark.care.services_sessions import Mark, SessionInput, max_minutes_attended
from waymark.chart.forms import DateInput
from waymark.core.models import Site, User
from waymark.labs.forms import DateTimeInput

STATUS_CHOICES = [(s, Attendance.Status(s).label) for s in ("attended", "late", "no_show", "cancelled")]
SESSION_KINDS = [
    (CounsellingSession.Kind.INDIVIDUAL.value, CounsellingSession.Kind.INDIVIDUAL.label),
    (CounsellingSession.Kind.FAMILY.value, CounsellingSession.Kind.FAMILY.label),
]


def _number(**attrs: str) -> forms.NumberInput:
    return forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off", **attrs})


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


def _wall_clock(value: dt.datetime | None, zone: Any) -> dt.datetime | None:
    """The typed wall-clock time in the program's zone (the field made it aware in the server's zone)."""
    if value is None:
        return None
    naive = timezone.make_naive(value) if timezone.is_aware(value) else value
    return naive.replace(tzinfo=zone)


# --- Groups -------------------------------------------------------------------------------------------------


class GroupForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    topic = forms.ChoiceField(label="Topic", choices=CareGroup.Topic.choices)
    facilitator = forms.TypedChoiceField(label="Facilitator", coerce=int)
    capacity = forms.IntegerField(label="Capacity (people)", widget=_number(), help_text="1–50 people.")
    weekdays = forms.TypedMultipleChoiceField(
        label="Meets on",
        coerce=int,
        choices=list(enumerate(WEEKDAY_NAMES)),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one day of the week the group meets."},
    )
    starts_at_time = forms.TimeField(label="Starts at (clinic time)", widget=TimeInput())
    minutes = forms.IntegerField(label="Length (minutes)", widget=_number(), help_text="15–480 minutes.")
    site = forms.TypedChoiceField(label="Site", coerce=int, required=False, empty_value=None)
    modality = forms.ChoiceField(label="Meets", choices=Modality.choices, widget=forms.RadioSelect)
    active = forms.BooleanField(
        label="Open (meeting)", required=False, help_text="A closed group keeps its history; it stops meeting."
    )

    def __init__(
        self,
        *args: Any,
        facilitators: list[User],
        sites: list[Site],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.facilitators = {u.pk: u for u in facilitators}
        self.sites = {s.pk: s for s in sites}
        self.fields["facilitator"].choices = [  # type: ignore[attr-defined]
            ("", "Choose a counsellor"),
            *((u.pk, u.get_full_name() or u.username) for u in facilitators),
        ]
        self.fields["site"].choices = [("", "No particular site"), *((s.pk, s.name) for s in sites)]  # type: ignore[attr-defined]
        if not editing:
            del self.fields["active"]
        if not self.is_bound:
            self.initial.setdefault("modality", Modality.IN_PERSON)
            self.initial.setdefault("minutes", 90)
            self.initial.setdefault("capacity", 8)

    @classmethod
    def initial_from(cls, group: CareGroup) -> dict[str, Any]:
        return {
            "name": group.name,
            "topic": group.topic,
            "facilitator": group.facilitator_id,
            "capacity": group.capacity,
            "weekdays": list(group.weekdays),
            "starts_at_time": group.starts_at_time,
            "minutes": group.minutes,
            "site": group.site_id or "",
            "modality": group.modality,
            "active": group.active,
        }

    def to_input(self) -> GroupInput:
        d = self.cleaned_data
        return GroupInput(
            name=d["name"],
            topic=d["topic"],
            facilitator=self.facilitators.get(d["facilitator"]),
            capacity=d["capacity"],
            weekdays=list(d["weekdays"]),
            starts_at_time=d["starts_at_time"],
            minutes=d["minutes"],
            site=self.sites.get(d["site"]) if d["site"] is not None else None,
            modality=d["modality"],
            active=d.get("active", True),
        )


class GroupScheduleForm(forms.Form):
    last_day = forms.DateField(label="Schedule sessions through", widget=DateInput())


class AddMemberForm(forms.Form):
    patient = forms.TypedChoiceField(
        label="Person", coerce=int, help_text="People on your care team who are not in the group."
    )
    joined_on = forms.DateField(label="Joins on", widget=DateInput())

    def __init__(self, *args: Any, candidates: list[tuple[int, str]], today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["patient"].choices = [("", "Choose a person"), *candidates]  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("joined_on", today)


# --- Individual and family sessions -------------------------------------------------------------------------


class SessionForm(forms.Form):
    kind = forms.ChoiceField(label="Session", choices=SESSION_KINDS, widget=forms.RadioSelect)
    starts_at = forms.DateTimeField(label="Starts at (clinic time)", widget=DateTimeInput())
    planned_minutes = forms.IntegerField(label="Length (minutes)", widget=_number(), help_text="15–480 minutes.")
    modality = forms.ChoiceField(label="Meets", choices=Modality.choices, widget=forms.RadioSelect)
    site = forms.TypedChoiceField(label="Site", coerce=int, required=False, empty_value=None)
    topic = forms.CharField(label="Topic", required=False, max_length=200)

    def __init__(self, *args: Any, zone: Any, sites: list[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.sites = {s.pk: s for s in sites}
        self.fields["site"].choices = [("", "The person's site"), *((s.pk, s.name) for s in sites)]  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("kind", CounsellingSession.Kind.INDIVIDUAL)
            self.initial.setdefault("modality", Modality.IN_PERSON)
            self.initial.setdefault("planned_minutes", 50)

    def to_input(self) -> SessionInput:
        d = self.cleaned_data
        return SessionInput(
            kind=d["kind"],
            starts_at=_wall_clock(d["starts_at"], self.zone),
            planned_minutes=d["planned_minutes"],
            modality=d["modality"],
            site=self.sites.get(d["site"]) if d["site"] is not None else None,
            topic=d["topic"],
        )


# --- Attendance: every expected person on one screen ----------------------------------------------------------


@dataclass
class MemberRow:
    """One person's row: their attendance, the status radios and the minutes box, and any errors."""

    attendance: Attendance
    status: forms.BoundField
    minutes: forms.BoundField
    errors: list[str]

    @property
    def saved_attended(self) -> bool:
        return self.attendance.status in schedules.ATTENDED


class AttendanceForm(forms.Form):
    """status_<patient id> (attended, late, no-show, cancelled) and minutes_<patient id> for each person
    expected. Minutes default to the planned length and are ignored for no-show and cancelled."""

    def __init__(self, *args: Any, rows: list[Attendance], planned: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.planned = planned
        for row in rows:
            name = row.patient.display_name
            pid = row.patient_id
            self.fields[f"status_{pid}"] = forms.ChoiceField(
                label=name,
                choices=STATUS_CHOICES,
                widget=forms.RadioSelect,
                error_messages={"required": f"{name}: choose attended, late, no-show or cancelled."},
            )
            self.fields[f"minutes_{pid}"] = forms.IntegerField(
                label="Minutes attended",
                required=False,
                widget=_number(min="1", max=str(max_minutes_attended(planned))),
                error_messages={"invalid": f"{name}: minutes attended is a whole number."},
            )
            if not self.is_bound:
                if row.status != Attendance.Status.EXPECTED:
                    self.initial[f"status_{pid}"] = row.status
                self.initial[f"minutes_{pid}"] = row.minutes_attended or planned

    def marks(self) -> dict[int, Mark]:
        d = self.cleaned_data
        out: dict[int, Mark] = {}
        for row in self.rows:
            status = d[f"status_{row.patient_id}"]
            minutes = d[f"minutes_{row.patient_id}"] if status in schedules.ATTENDED else None
            out[row.patient_id] = (status, minutes)
        return out

    def add_service_errors(self, error_dict: Mapping[str, list[str]]) -> None:
        """The service's errors, keyed by patient id, go on that person's row; others on the form."""
        for key, messages in error_dict.items():
            field = f"status_{key}"
            self.add_error(field if field in self.fields else None, messages)

    def member_rows(self) -> list[MemberRow]:
        out = []
        for row in self.rows:
            status, minutes = self[f"status_{row.patient_id}"], self[f"minutes_{row.patient_id}"]
            errors: list[str] = [*status.errors, *minutes.errors] if self.is_bound else []
            out.append(MemberRow(row, status, minutes, errors))
        return out

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) for every error, in row order, for the summary at the top."""
        rows = [(f"member-{r.attendance.patient_id}", str(e)) for r in self.member_rows() for e in r.errors]
        return rows + [("", str(e)) for e in self.non_field_errors()]


# --- DAP notes ----------------------------------------------------------------------------------------------


class NoteForm(forms.Form):
    # Named like the note's parts (and the service's error keys). Django moves declared fields off the class,
    # so this "data" does not shadow the form's bound data.
    data = forms.CharField(  # type: ignore[assignment]
        label="Data",
        help_text="What was observed and said: facts, the person's own words.",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )
    assessment = forms.CharField(
        label="Assessment",
        help_text="What it means: progress toward the plan's goals, risks, strengths.",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )
    plan = forms.CharField(
        label="Plan",
        help_text="Next steps, homework, the next session.",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
