"""Counselling: the counsellor's caseload with 150 people and 2 years of sessions,
and one person's levels-of-care page.

    python -m bench.care --db sqlite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/waymark python -m bench.care --db postgresql

One program on a database rebuilt every run (var/bench/waymark_bench_care.sqlite3,
or the PostgreSQL database waymark_bench_care on the server DATABASE_URL points
at), production settings, through django.test.Client (signed in, TOTP step
passed, as bench/run.py does). Times from time.perf_counter(); queries counted
with connection.execute_wrapper.

Setup, not measured, laid down with bulk inserts from a fixed seed: two
counsellors with 150 people each on their care team (the second makes the tables
twice the size the page reads from), and a third with 3. Each person has an open
episode (short-term residential, then intensive outpatient, then standard
outpatient), 2 years of weekly individual sessions and of a twice-weekly group
(about 312 attendances each, 94,000 in all), attended, late, no-show or
cancelled in a realistic mix: most people come, some miss often, some have
stopped coming in the last weeks (a no-show run) and some have not been booked
for a month; the next two weeks are booked. Two in three have a signed plan with
monthly reviews (some overdue), and some have recorded lapses.

Measured:
(a) GET /care/caseload/ as the counsellor with 150 people: p50/p95 and the query
    count, which must equal the count for the counsellor with 3;
(b) GET /care/patients/<id>/levels/ for one person with the 2-year history (three
    levels, about 100 weekly rows), against a person with 3 days of history.
Results are printed and written to bench/results/care-<db>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import time
from typing import Any

from bench import pages
from bench.run import RESULTS, ROOT, _database_version, _log, _machine, open_fresh_database

DB_NAME = "waymark_bench_care"
CASELOAD = 150
SMALL_CASELOAD = 3
GROUP_SIZE = 10
WEEKS = 104
BOOKED_AHEAD_DAYS = 14
TARGET_P95_MS = 200.0
BATCH = 5000


# What the benchmark counts in the pages: caseload rows, and weekly rows on the levels page.
ROW = '<tr id="patient-'
WEEK_ROW = '<th scope="row" class="nowrap">'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.care", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--page-requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args(argv)

    print(f"== Waymark counselling benchmark on {args.db} ==", flush=True)
    open_fresh_database(args.db, DB_NAME)
    from django.db import connection

    started = time.perf_counter()
    built = _build()
    setup_s = time.perf_counter() - started
    _log(f"built {built['counts']} in {setup_s:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    load_before = os.getloadavg()[0]
    caseload = pages.compare(args, built, "care:caseload", None, "counsellor", "small_counsellor", counts={"rows": ROW})
    levels = pages.compare(
        args, built, "care:levels", "long", "counsellor", None, small_patient="short", counts={"week_rows": WEEK_ROW}
    )
    report = {
        "database": _database_version(connection),
        "machine": _machine(),
        "setup_s": round(setup_s, 1),
        # 1-minute load average before and after the measured requests: other work shows up in the times.
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        **built["counts"],
        "target_p95_ms": TARGET_P95_MS,
        "caseload": caseload,
        "levels_page": levels,
    }
    _print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"care-{args.db}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWritten: {out.relative_to(ROOT)}")
    ok = (
        caseload["queries_independent"]
        and levels["queries_independent"]
        and caseload["p95_ms"] < TARGET_P95_MS
        # The big caseload, and the new admission the levels page compares with.
        and caseload["rows"] == CASELOAD + 1
    )
    return 0 if ok else 1


# --- setup ---------------------------------------------------------------------------------------


class _Builder:
    """Lays down people, sessions and attendance with bulk inserts."""

    def __init__(self, rng: random.Random) -> None:
        from django.utils import timezone

        from waymark.core.models import Program, Site

        self.rng = rng
        self.program = Program.objects.create(name="Care bench", time_zone="America/New_York")
        self.site = Site.objects.create(program=self.program, name="Harbor counselling")
        self.now = timezone.now()
        self.today = self.program.clinic_day(self.now)
        self.first_day = self.today - dt.timedelta(weeks=WEEKS)
        self.counts = {"people": 0, "sessions": 0, "attendances": 0, "plans": 0, "reviews": 0, "lapses": 0}

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), self.program.zone)

    def people(self, counsellor: Any, n: int, prefix: str) -> list[Any]:
        from waymark.chart.models import CareTeamMember, Episode, LevelOfCareChange, Patient

        patients = Patient.objects.bulk_create(
            Patient(
                program=self.program,
                site=self.site,
                mrn=f"{prefix}{i:05d}",
                given_name=self.rng.choice(["Alex", "Sam", "Jordan", "Riley", "Casey", "Morgan", "Dana", "Jamie"]),
                family_name=f"{self.rng.choice(['Smith', 'Lopez', 'Nguyen', 'Brown', 'Osei', 'Kowalski'])}{i}",
                date_of_birth=dt.date(1975, 1, 1) + dt.timedelta(days=self.rng.randrange(12000)),
            )
            for i in range(n)
        )
        admitted = self.first_day - dt.timedelta(days=28)
        episodes = Episode.objects.bulk_create(
            Episode(
                patient=p,
                site=self.site,
                admitted_on=admitted,
                level_of_care="outpatient",
                primary_substance="fentanyl",
            )
            for p in patients
        )
        changes = []
        for e in episodes:
            iop = self.first_day + dt.timedelta(days=self.rng.randrange(0, 60))
            op = iop + dt.timedelta(days=self.rng.randrange(56, 120))
            for level, day, reason in (
                ("residential_short", admitted, "Admission"),
                ("intensive_outpatient", iop, "Stepped down"),
                ("outpatient", op, "Stepped down"),
            ):
                changes.append(
                    LevelOfCareChange(
                        episode=e, level_of_care=level, started_on=day, reason=reason, recorded_by=counsellor
                    )
                )
        LevelOfCareChange.objects.bulk_create(changes, batch_size=BATCH)
        CareTeamMember.objects.bulk_create(
            CareTeamMember(patient=p, user=counsellor, role="counsellor", since=admitted) for p in patients
        )
        self.counts["people"] += n
        return list(zip(patients, episodes, strict=True))

    def profile(self) -> str:
        return self.rng.choices(["engaged", "struggling", "no_show_run", "stopped"], weights=[60, 25, 10, 5])[0]

    def status(self, profile: str, day: dt.date, stops: dt.date) -> str | None:
        """The attendance on a past day for a person of this profile; None: no session booked any more."""
        if profile == "stopped" and day >= stops:
            return None
        if profile == "no_show_run" and day >= stops:
            return self.rng.choices(["no_show", "cancelled"], weights=[85, 15])[0]
        weights = [85, 7, 4, 4] if profile in ("engaged", "stopped", "no_show_run") else [58, 12, 20, 10]
        return self.rng.choices(["attended", "late", "no_show", "cancelled"], weights=weights)[0]

    def sessions(self, counsellor: Any, people: list[Any]) -> None:
        from waymark.care.models import Attendance, CareGroup, CounsellingSession, GroupMembership

        profiles = {p.pk: self.profile() for p, _ in people}
        stops = {p.pk: self.today - dt.timedelta(days=self.rng.randrange(21, 45)) for p, _ in people}
        last_day = self.today + dt.timedelta(days=BOOKED_AHEAD_DAYS)

        def attendance(session: Any, patient: Any, minutes: int) -> Any:
            day = session.starts_at.astimezone(self.program.zone).date()
            if session.starts_at > self.now:
                if profiles[patient.pk] == "stopped":
                    return None
                return Attendance(session=session, patient=patient, starts_at=session.starts_at)
            status = self.status(profiles[patient.pk], day, stops[patient.pk])
            if status is None:
                return None
            attended = {"attended": minutes, "late": minutes - self.rng.randrange(10, 25)}.get(status)
            return Attendance(
                session=session,
                patient=patient,
                starts_at=session.starts_at,
                status=status,
                minutes_attended=attended,
                recorded_by=counsellor,
                recorded_at=session.starts_at + dt.timedelta(minutes=minutes),
            )

        # Weekly individual sessions, each person on their own weekday and hour.
        individual = []
        for i, (patient, _) in enumerate(people):
            day = self.first_day + dt.timedelta(days=i % 5)
            while day <= last_day:
                individual.append(
                    (
                        CounsellingSession(
                            program=self.program,
                            site=self.site,
                            counsellor=counsellor,
                            kind="individual",
                            starts_at=self.at(day, 9 + i % 8),
                            planned_minutes=50,
                            created_by=counsellor,
                        ),
                        patient,
                    )
                )
                day += dt.timedelta(weeks=1)
        CounsellingSession.objects.bulk_create([s for s, _ in individual], batch_size=BATCH)
        rows = [attendance(s, p, 50) for s, p in individual]

        # A twice-weekly group of 10 (Tuesdays and Thursdays at 17:30, 90 minutes).
        group_sessions = []
        for g in range(0, len(people), GROUP_SIZE):
            members = people[g : g + GROUP_SIZE]
            group = CareGroup.objects.create(
                program=self.program,
                site=self.site,
                name=f"{counsellor.username} relapse prevention {g // GROUP_SIZE + 1}",
                topic="relapse_prevention",
                facilitator=counsellor,
                capacity=12,
                weekdays=[1, 3],
                starts_at_time=dt.time(17, 30),
                minutes=90,
                created_by=counsellor,
            )
            GroupMembership.objects.bulk_create(
                GroupMembership(group=group, patient=p, joined_on=self.first_day, added_by=counsellor)
                for p, _ in members
            )
            day = self.first_day
            while day <= last_day:
                if day.weekday() in (1, 3):
                    session = CounsellingSession(
                        program=self.program,
                        site=self.site,
                        counsellor=counsellor,
                        kind="group",
                        group=group,
                        starts_at=self.at(day, 17, 30),
                        planned_minutes=90,
                        created_by=counsellor,
                    )
                    group_sessions.append((session, [p for p, _ in members]))
                day += dt.timedelta(days=1)
        CounsellingSession.objects.bulk_create([s for s, _ in group_sessions], batch_size=BATCH)
        rows += [attendance(s, p, 90) for s, members in group_sessions for p in members]
        made = Attendance.objects.bulk_create([a for a in rows if a is not None], batch_size=BATCH)
        self.counts["sessions"] += len(individual) + len(group_sessions)
        self.counts["attendances"] += len(made)

    def plans(self, counsellor: Any, people: list[Any]) -> None:
        from waymark.care.models import PlanReview, RecoveryEvent, TreatmentPlan

        plans, reviews, lapses = [], [], []
        for patient, episode in people:
            if self.rng.random() < 1 / 3:
                continue
            effective = self.today - dt.timedelta(days=self.rng.randrange(20, 400))
            plan = TreatmentPlan(
                patient=patient,
                episode=episode,
                version=1,
                status="active",
                review_interval_days=30,
                effective_on=effective,
                clinician_signed_by=counsellor,
                clinician_signed_at=self.at(effective, 12),
                patient_signature=patient.given_name,
                patient_signed_at=self.at(effective, 12),
                created_by=counsellor,
            )
            plans.append(plan)
            # Monthly reviews, the last one 0–45 days ago: some are overdue.
            behind = self.rng.randrange(0, 46)
            day = effective + dt.timedelta(days=30)
            while day <= self.today - dt.timedelta(days=behind):
                reviews.append((plan, day))
                day += dt.timedelta(days=30)
            if self.rng.random() < 0.15:
                lapses.append(
                    RecoveryEvent(
                        patient=patient,
                        episode=episode,
                        kind=self.rng.choice(["lapse", "relapse"]),
                        occurred_on=self.today - dt.timedelta(days=self.rng.randrange(1, 90)),
                        recorded_by=counsellor,
                    )
                )
        TreatmentPlan.objects.bulk_create(plans)
        PlanReview.objects.bulk_create(
            (PlanReview(plan=p, reviewed_on=d, outcome="continue", reviewed_by=counsellor) for p, d in reviews),
            batch_size=BATCH,
        )
        RecoveryEvent.objects.bulk_create(lapses)
        self.counts["plans"] += len(plans)
        self.counts["reviews"] += len(reviews)
        self.counts["lapses"] += len(lapses)


def _build() -> dict[str, Any]:
    from waymark.chart.models import CareTeamMember, Episode, LevelOfCareChange, Patient

    builder = _Builder(random.Random(20261121))
    users = {
        "counsellor": pages.staff("care-counsellor", "counsellor", builder.program, builder.site),
        "colleague": pages.staff("care-colleague", "counsellor", builder.program, builder.site),
        "small_counsellor": pages.staff("care-counsellor-small", "counsellor", builder.program, builder.site),
    }
    _log(f"setup: 2 counsellors × {CASELOAD} people × {WEEKS} weeks of sessions, and one with {SMALL_CASELOAD}")
    for key, prefix in (("counsellor", "CB"), ("colleague", "CC")):
        people = builder.people(users[key], CASELOAD, prefix)
        builder.sessions(users[key], people)
        builder.plans(users[key], people)
    small = builder.people(users["small_counsellor"], SMALL_CASELOAD, "CS")
    builder.sessions(users["small_counsellor"], small)
    builder.plans(users["small_counsellor"], small)
    # The levels page: the first person of the big caseload (2 years, three levels), against one admitted
    # three days ago with a single level.
    long_patient = Patient.objects.get(mrn="CB00000")
    short = Patient.objects.create(
        program=builder.program,
        mrn="CS-NEW",
        given_name="New",
        family_name="Admission",
        date_of_birth=dt.date(1990, 1, 1),
    )
    admitted = builder.today - dt.timedelta(days=3)
    episode = Episode.objects.create(
        patient=short, admitted_on=admitted, level_of_care="intensive_outpatient", primary_substance="heroin"
    )
    LevelOfCareChange.objects.create(episode=episode, level_of_care="intensive_outpatient", started_on=admitted)
    CareTeamMember.objects.create(patient=short, user=users["counsellor"], role="counsellor")
    return {"users": users, "patients": {"long": long_patient, "short": short}, "counts": builder.counts}


def _print(report: dict[str, Any]) -> None:
    print()
    print(f"{report['database']}, {report['machine']['cpus']} CPUs ({report['machine']['cpu_model']})")
    print(
        f"  {report['people']} people, {report['sessions']:,} sessions, {report['attendances']:,} attendances, "
        f"{report['plans']} plans, {report['reviews']:,} reviews, {report['lapses']} lapses "
        f"(setup {report['setup_s']} s)"
    )
    for name, what in (("caseload", "rows"), ("levels_page", "week_rows")):
        r = report[name]
        print(
            f"  {name:<12} p50 {r['p50_ms']:.1f} ms  p95 {r['p95_ms']:.1f} ms  max {r['max_ms']:.1f} ms"
            f"  queries {r['queries']} (small: {r['small_queries']})  {r[what]} {what}  {r['bytes']:,} bytes"
        )
    print(f"  load average {report['load_average'][0]} → {report['load_average'][1]}")
    ok = report["caseload"]["p95_ms"] < TARGET_P95_MS
    print(f"caseload p95 under {TARGET_P95_MS:.0f} ms: " + ("yes (PASS)" if ok else "NO (FAIL)"))


if __name__ == "__main__":
    raise SystemExit(main())
