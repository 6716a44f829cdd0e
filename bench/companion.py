"""The recovery companion: check-ins from 100 people at once over HTTP, and insights from 3 years of check-ins.

    python -m bench.companion --db sqlite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/waymark python -m bench.companion --db postgresql

One database rebuilt every run (var/bench/waymark_bench_companion.sqlite3, or the PostgreSQL database
waymark_bench_companion on the server DATABASE_URL points at; the database DATABASE_URL names is never
opened), with the production settings (DEBUG off; on SQLite WAL, synchronous=FULL, IMMEDIATE transactions).

(a) Check-in submission under 100 concurrent users. 100 self-guided people with companion settings, each
    signed in (a session row made in the database, its cookie, and a CSRF cookie with the same token in the
    X-CSRFToken header, as the installed app sends it). gunicorn on 127.0.0.1 started with `waymark serve`'s
    flags (2 workers × 4 threads). First 10 other people send theirs one request at a time: the latency
    without a queue. Then 100 threads, one per person, released together by a barrier; each POSTs
    /api/v1/companion/check-ins for today and the 7 days before (the offline queue's limit), oldest first,
    each with a new client_id, one new TCP connection per request, timed from connect to the last byte of
    the 201. Then every person re-sends every check-in with the same client_id (what an offline queue
    synced twice does): each must answer 200 with "duplicate": true, and the database must hold exactly
    one check-in per person and day, and one submission per client_id, with no revision. Latency
    p50/p95/p99 per request and throughput (requests per second of wall time) for both passes. Every
    save runs the whole service: validation, the crisis-word detector, the early-warning look-back and
    the audit entry.
(b) Insights for a person with 3 years of daily check-ins (1,095, with realistic variation): the pure
    computation, services.day_records (the one query) + insights.summarise, repeated; and the insights
    page GET /companion/insights/ and the home page GET /companion/ through django.test.Client (signed in),
    with their query counts compared with a person who has 5 check-ins (they must be equal).
Times from time.perf_counter(); results are printed and written to bench/results/companion-<db>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import statistics
import threading
import time
import uuid
from typing import Any

from bench import server as web
from bench.run import RESULTS, ROOT, _database_version, _log, _machine, open_fresh_database, timing_stats

DB_NAME = "waymark_bench_companion"
USERS = 100
DAYS_BACK = 7  # today and the 7 days before: the oldest check-in the offline queue may still send
YEARS = 3
BASELINE_PEOPLE = 10  # (a) first, one request at a time: the latency without a queue
TARGET_BASELINE_P95_MS = 100.0  # one check-in at a time, end to end
TARGET_INSIGHTS_P95_MS = 500.0  # (b) the computation for 3 years


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.companion", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--users", type=int, default=USERS, help="people checking in at once")
    parser.add_argument("--runs", type=int, default=30, help="measured runs of the insight computation")
    parser.add_argument("--page-requests", type=int, default=20, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args(argv)

    print(f"== Waymark companion benchmark on {args.db} ==", flush=True)
    open_fresh_database(args.db, DB_NAME)
    from django.db import connection

    started = time.perf_counter()
    people = _people(args.users + BASELINE_PEOPLE)
    heavy, light = _history_people()
    setup_s = time.perf_counter() - started
    _log(f"set up {args.users} people and a 3-year history in {setup_s:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    load_before = os.getloadavg()[0]
    concurrent = _concurrent(args, people[BASELINE_PEOPLE:], people[:BASELINE_PEOPLE])
    computation = _computation(args, heavy)
    pages = {name: _page(args, name, heavy, light) for name in ("companion:insights", "companion:home")}
    report = {
        "database": _database_version(connection),
        "machine": _machine(),
        "setup_s": round(setup_s, 1),
        # 1-minute load average before and after: other work on the machine shows up in the times.
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "target_baseline_p95_ms": TARGET_BASELINE_P95_MS,
        "target_insights_p95_ms": TARGET_INSIGHTS_P95_MS,
        "check_ins": concurrent,
        "insights": {"computation": computation, "pages": pages},
    }
    _print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"companion-{args.db}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWritten: {out.relative_to(ROOT)}")
    ok = (
        concurrent["exactly_one_per_person_day"]
        and concurrent["all_duplicates_recognised"]
        and all(p["queries_independent"] for p in pages.values())
    )
    return 0 if ok else 1


# --- setup -----------------------------------------------------------------------------------------------


def _people(n: int) -> list[dict[str, Any]]:
    """Self-guided people with companion settings, each with a signed-in session and a CSRF token."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from waymark.companion.models import CompanionProfile
    from waymark.core.models import User

    users = []
    for i in range(n):
        user = User(username=f"bench-person-{i:03d}", role="patient", program=None)
        user.set_unusable_password()
        users.append(user)
    users = User.objects.bulk_create(users)
    CompanionProfile.objects.bulk_create(
        CompanionProfile(
            user=u, recovery_started_on=dt.date.today() - dt.timedelta(days=60), time_zone="America/New_York"
        )
        for u in users
    )
    people = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        # Django accepts its 32-character CSRF secret, unmasked, as the header token.
        csrf = secrets.token_hex(16)
        people.append(
            {"user_id": user.pk, "cookie": f"sessionid={session.session_key}; csrftoken={csrf}", "csrf": csrf}
        )
    return people


def _history_people() -> tuple[Any, Any]:
    """One person with 3 years of daily check-ins (craving drifting down, weekly and trigger patterns, a few
    lapses), and one with 5, for the query-count comparison."""
    from waymark.companion.models import TRIGGER_KEYS, CheckIn, CompanionProfile
    from waymark.core.models import User

    rng = random.Random(20261121)  # synthetic data, not security
    triggers = sorted(TRIGGER_KEYS)
    made = []
    for name, days in (("bench-three-years", YEARS * 365), ("bench-five-days", 5)):
        user = User(username=name, role="patient", program=None)
        user.set_unusable_password()
        user.save()
        today = dt.date.today()
        first = today - dt.timedelta(days=days)
        CompanionProfile.objects.create(user=user, recovery_started_on=first, time_zone="America/New_York")
        rows = []
        for i in range(days):
            day = first + dt.timedelta(days=i)
            craving = max(0, min(10, round(6 - 4 * i / days + (2 if day.weekday() == 4 else 0) + rng.gauss(0, 1.5))))
            hour = rng.choice([8, 13, 19, 20, 21, 22])
            rows.append(
                CheckIn(
                    user=user,
                    day=day,
                    mood=max(1, min(5, round(4.5 - craving / 3 + rng.gauss(0, 0.6)))),
                    craving=craving,
                    triggers=rng.sample(triggers, rng.choice([0, 0, 1, 1, 2, 3])),
                    sleep_hours=round(rng.uniform(4, 9) * 2) / 2,
                    medication_taken="not_applicable",
                    used_today=rng.random() < 0.01,
                    support_contact=rng.random() < 0.6,
                    meeting_attended=rng.random() < 0.35,
                    exercised=rng.random() < 0.4,
                    regular_meals=rng.random() < 0.7,
                    mindfulness=rng.random() < 0.3,
                    created_at=dt.datetime.combine(day, dt.time(hour, rng.randrange(60)), dt.UTC)
                    + dt.timedelta(hours=5),
                )
            )
        CheckIn.objects.bulk_create(rows, batch_size=1000)
        made.append(user)
    return made[0], made[1]


# --- (a) 100 people checking in at once over HTTP --------------------------------------------------------


def _check_in_body(rng: random.Random, day: dt.date, client_id: str) -> str:
    return json.dumps(
        {
            "client_id": client_id,
            "day": day.isoformat(),
            "mood": rng.randint(1, 5),
            "craving": rng.randint(0, 10),
            "triggers": rng.sample(["stress", "people", "sleep", "boredom"], rng.randint(0, 2)),
            "sleep_hours": rng.choice([5.5, 6.0, 7.0, 7.5, 8.0]),
            "medication_taken": "not_applicable",
            "used_today": False,
            "support_contact": rng.random() < 0.6,
            "meeting_attended": rng.random() < 0.3,
            "note": rng.choice(["", "", "Long day at work, went for a walk after."]),
        }
    )


def _concurrent(
    args: argparse.Namespace, people: list[dict[str, Any]], baseline_people: list[dict[str, Any]]
) -> dict[str, Any]:
    from django.utils import timezone

    from waymark.companion import progress
    from waymark.companion.models import CheckIn, CheckInRevision, CheckInSubmission

    today = progress.local_day(timezone.now(), "America/New_York")
    days = [today - dt.timedelta(days=n) for n in range(DAYS_BACK, -1, -1)]
    port = web.free_port()
    _log(f"(a) gunicorn on 127.0.0.1:{port}: {len(people)} people × {len(days)} check-ins, then each re-sent")
    server = web.start_gunicorn(port, "companion")
    path = "/api/v1/companion/check-ins"
    baseline: list[float] = []
    try:
        for i, who in enumerate(baseline_people):
            rng = random.Random(-1 - i)
            headers = {"Content-Type": "application/json", "Cookie": who["cookie"], "X-CSRFToken": who["csrf"]}
            for day in days:
                body = _check_in_body(rng, day, str(uuid.uuid4()))
                start = time.perf_counter()
                status, content = web.request(port, "POST", path, body, headers)
                baseline.append((time.perf_counter() - start) * 1000)
                if status != 201:
                    raise SystemExit(f"(a) POST {path} answered {status}: {content[:300]!r}")
    except BaseException:
        web.stop(server)
        raise
    sent: dict[int, list[tuple[str, str]]] = {}  # person → (client_id, body)
    first: list[float] = []
    again: list[float] = []
    problems: list[str] = []
    lock = threading.Lock()
    go = threading.Barrier(len(people))
    resend = threading.Barrier(len(people))
    walls: dict[str, list[float]] = {"first": [], "again": []}

    def person(i: int, who: dict[str, Any]) -> None:
        rng = random.Random(i)
        headers = {"Content-Type": "application/json", "Cookie": who["cookie"], "X-CSRFToken": who["csrf"]}
        mine = [(cid, _check_in_body(rng, day, cid)) for day in days for cid in [str(uuid.uuid4())]]
        sent[i] = mine

        def post(body: str, want: int, duplicate: bool, into: list[float]) -> None:
            start = time.perf_counter()
            try:
                status, content = web.request(port, "POST", path, body, headers)
            except OSError as exc:
                with lock:
                    problems.append(f"person {i}: {exc!r}")
                return
            elapsed = (time.perf_counter() - start) * 1000
            ok = status == want and json.loads(content).get("duplicate") is duplicate
            with lock:
                into.append(elapsed)
                if not ok:
                    problems.append(f"person {i}: {status} {content[:200]!r}")

        go.wait()
        began = time.perf_counter()
        for _, body in mine:
            post(body, 201, False, first)
        with lock:
            walls["first"].append(time.perf_counter() - began)
        resend.wait()
        began = time.perf_counter()
        for _, body in mine:
            post(body, 200, True, again)
        with lock:
            walls["again"].append(time.perf_counter() - began)

    threads = [threading.Thread(target=person, args=(i, who)) for i, who in enumerate(people)]
    wall_start = time.perf_counter()
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        web.stop(server)
    total_s = time.perf_counter() - wall_start
    user_ids = [p["user_id"] for p in people]
    rows = CheckIn.objects.filter(user_id__in=user_ids)
    per_day = set(rows.values_list("user_id", "day"))
    expected = {(u, d) for u in user_ids for d in days}
    submissions = CheckInSubmission.objects.filter(check_in__user_id__in=user_ids).count()
    n = len(people) * len(days)
    exactly_one = rows.count() == n and per_day == expected and submissions == n
    result = {
        "server": "gunicorn, 2 workers × 4 threads (waymark serve's flags), on 127.0.0.1",
        "people": len(people),
        "check_ins_per_person": len(days),
        "requests": n,
        "one_at_a_time": _latency(baseline, sum(baseline) / 1000),
        "first_send": _latency(first, max(walls["first"], default=0.0)),
        "re_send": _latency(again, max(walls["again"], default=0.0)),
        "wall_s": round(total_s, 2),
        "rows": rows.count(),
        "submissions": submissions,
        "revisions": CheckInRevision.objects.filter(check_in__user_id__in=user_ids).count(),
        "exactly_one_per_person_day": exactly_one,
        "all_duplicates_recognised": not problems and len(again) == n,
        "problems": problems[:20],
    }
    if problems:
        _log(f"{len(problems)} unexpected answers, e.g. {problems[0]}")
    return result


def _latency(series: list[float], wall_s: float) -> dict[str, Any]:
    if not series:
        return {"requests": 0}
    stats = {k: v for k, v in timing_stats(series).items() if k != "samples_ms"}
    stats["p99_ms"] = round(statistics.quantiles(series, n=100, method="inclusive")[98], 3)
    stats["requests"] = len(series)
    stats["wall_s"] = round(wall_s, 2)
    stats["throughput_per_s"] = round(len(series) / wall_s, 1) if wall_s else None
    return stats


# --- (b) insights from 3 years -------------------------------------------------------------------------


def _computation(args: argparse.Namespace, user: Any) -> dict[str, Any]:
    from waymark.companion import insights, services

    profile = services.profile_for(user)
    assert profile is not None
    today = services.today_for(profile)
    _log(f"(b) day_records + summarise for {YEARS} years: {args.warmup} + {args.runs}")
    read, compute, total = [], [], []
    records: list[Any] = []
    for i in range(args.warmup + args.runs):
        start = time.perf_counter()
        records = services.day_records(user, profile)
        middle = time.perf_counter()
        insights.summarise(records, today)
        end = time.perf_counter()
        if i >= args.warmup:
            read.append((middle - start) * 1000)
            compute.append((end - middle) * 1000)
            total.append((end - start) * 1000)

    def brief(series: list[float]) -> dict[str, Any]:
        return {k: v for k, v in timing_stats(series).items() if k != "samples_ms"}

    return {
        "check_ins": len(records),
        "runs": args.runs,
        "day_records": brief(read),
        "summarise": brief(compute),
        "total": brief(total),
    }


def _page(args: argparse.Namespace, url_name: str, heavy: Any, light: Any) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from bench.pages import _Counter

    url = reverse(url_name)

    def run(user: Any, count: int) -> tuple[list[float], set[int], int]:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        client.get(url)  # the first visit celebrates milestones (a write): not measured
        times, queries, size = [], set(), 0
        for i in range(args.warmup + count):
            counter = _Counter()
            with connection.execute_wrapper(counter):
                start = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - start) * 1000
            if response.status_code != 200:
                raise SystemExit(f"GET {url} answered {response.status_code}")
            if i >= args.warmup:
                times.append(elapsed)
                queries.add(counter.count)
                size = len(response.content)
        return times, queries, size

    _log(f"(b) page {url}: {args.warmup} + {args.page_requests}")
    times, queries, size = run(heavy, args.page_requests)
    _, small_queries, _ = run(light, 3)
    return {
        "path": url,
        "requests": args.page_requests,
        "queries": sorted(queries),
        "small_queries": sorted(small_queries),
        "queries_independent": queries == small_queries,
        "bytes": size,
        **{k: v for k, v in timing_stats(times).items() if k != "samples_ms"},
    }


def _print(report: dict[str, Any]) -> None:
    a = report["check_ins"]
    print()
    print(f"{report['database']}, {report['machine']['cpus']} CPUs ({report['machine']['cpu_model']})")
    print(
        f"(a) {a['people']} people at once × {a['check_ins_per_person']} check-ins, HTTP to {a['server']}"
        f" (setup {report['setup_s']} s)"
    )
    for key, label in (
        ("one_at_a_time", "one at a time"),
        ("first_send", "first send, all at once"),
        ("re_send", "re-send (duplicates)"),
    ):
        r = a[key]
        if not r.get("requests"):
            print(f"  {label:<26} no answers")
            continue
        print(
            f"  {label:<26} p50 {r['p50_ms']:.1f} ms  p95 {r['p95_ms']:.1f} ms  p99 {r['p99_ms']:.1f} ms"
            f"  max {r['max_ms']:.1f} ms  {r['throughput_per_s']} req/s ({r['requests']} in {r['wall_s']} s)"
        )
    print(
        f"  rows {a['rows']}, submissions {a['submissions']}, revisions {a['revisions']}: exactly one per person-day "
        + ("(PASS)" if a["exactly_one_per_person_day"] else "(FAIL)")
        + "; every re-send a duplicate "
        + ("(PASS)" if a["all_duplicates_recognised"] else "(FAIL)")
    )
    c = report["insights"]["computation"]
    print(f"(b) insights from {c['check_ins']:,} check-ins ({YEARS} years), {c['runs']} runs")
    for key in ("day_records", "summarise", "total"):
        r = c[key]
        print(f"  {key:<22} p50 {r['p50_ms']:.1f} ms  p95 {r['p95_ms']:.1f} ms  max {r['max_ms']:.1f} ms")
    for r in report["insights"]["pages"].values():
        print(
            f"  GET {r['path']:<19} p50 {r['p50_ms']:.1f} ms  p95 {r['p95_ms']:.1f} ms  max {r['max_ms']:.1f} ms"
            f"  queries {r['queries']} (5 check-ins: {r['small_queries']})  {r['bytes']:,} bytes"
        )
    print(f"  load average {report['load_average'][0]} → {report['load_average'][1]}")
    alone = a["one_at_a_time"]
    ok = alone["p95_ms"] < TARGET_BASELINE_P95_MS
    print(f"one check-in at a time, p95 under {TARGET_BASELINE_P95_MS:.0f} ms: " + ("yes" if ok else "NO"))
    ok = c["total"]["p95_ms"] < TARGET_INSIGHTS_P95_MS
    print(f"insights p95 under {TARGET_INSIGHTS_P95_MS:.0f} ms for {YEARS} years: " + ("yes" if ok else "NO"))


if __name__ == "__main__":
    raise SystemExit(main())
