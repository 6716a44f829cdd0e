"""Peer support groups: 50 groups × 20 members polling their boards and posting at once, over HTTP.

    python -m bench.community --db sqlite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/waymark python -m bench.community --db postgresql

One database rebuilt every run (var/bench/waymark_bench_community.sqlite3, or the PostgreSQL database
waymark_bench_community on the server DATABASE_URL points at; the database DATABASE_URL names is never opened),
with the production settings (DEBUG off; on SQLite WAL, synchronous=FULL, IMMEDIATE transactions).

Set-up: 50 open groups of 20 members each (1,000 self-guided people, each with companion settings, half of them
showing their days in recovery, each signed in: a session row, its cookie, and a CSRF cookie with the same token
in the X-CSRFToken header), every board with 50 earlier messages. gunicorn on 127.0.0.1 with `waymark serve`'s
flags (2 workers × 4 threads), as bench/server.py starts it.

First each kind of request alone, 20 times one after another (what one costs without a queue): a poll
without an ETag (the whole list), a poll of a current copy (304), a post, and a poll of the copy from before
that post (only the new post comes back). Then everyone at once, from the steady state: every member has their
board open already (its ETag and messages, as after loading the board page; not 1,000 people opening their
boards in the same second). Every member polls their board's live list, GET /community/<id>/messages/ (the
partial the board page's HTMX polls), every 3 s with the ETag of the last answer as If-None-Match (`--poll api`
polls GET /api/v1/community/groups/<id>/messages?after=<last id> instead). Each group gets a post every ~5 s
(±20 %) from one of its members, through POST /api/v1/community/groups/<id>/messages (its answer names the new
message's id). 200 threads share the members and groups; each request is a new TCP connection, as a phone or
a browser tab that has been idle for 3 s opens one (gunicorn closes idle connections after 2 s). Posting and
polling for 60 s (measured); then polling goes on until every member has polled past the last post.

Measured: delivery latency, from the moment a post's answer reaches its author to the moment each other
member's poll first answers with it (a poll that answered with it before the author had their answer counts
as 0); every post must reach all 19 other members. Poll latency (304 and 200 apart) and post latency; requests
per second and the share of polls answered 304; server load: CPU seconds used by the gunicorn processes (and,
on PostgreSQL, by the database's backends for this database) from /proc, the whole machine's busy share, and
the load average. Times from time.perf_counter(); results are printed and written to
bench/results/community-<db>.json (community-api-<db>.json with `--poll api`; other sizes than 50 × 20 add
-<groups>x<members>).
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import json
import os
import random
import re
import secrets
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import server as web
from bench.run import RESULTS, ROOT, _database_version, _log, _machine, open_fresh_database

DB_NAME = "waymark_bench_community"
GROUPS = 50
MEMBERS = 20  # per group
HISTORY = 50  # earlier messages on every board
POLL_S = 3.0
POST_S = 5.0
SECONDS = 60.0
THREADS = 200
CATCH_UP_LIMIT_S = 180.0  # after the measured time, how long the members may take to poll past the last post
TARGET_SLACK_MS = 1000  # the target for delivery p95: the poll interval plus one second
MESSAGE_ID = re.compile(rb'id="message-(\d+)"')
TEXTS = (
    "Day {n}. Went to a meeting tonight and stayed for coffee after.",
    "Cravings were bad after work, called my sponsor instead.",
    "Thank you all for last week. It helped more than you know.",
    "Rough morning, but I am still here.",
    "Anyone else find weekends the hardest?",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.community", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--groups", type=int, default=GROUPS)
    parser.add_argument("--members", type=int, default=MEMBERS, help="members per group")
    parser.add_argument("--seconds", type=float, default=SECONDS, help="measured time with posting and polling")
    parser.add_argument("--poll-every", type=float, default=POLL_S, help="seconds between a member's polls")
    parser.add_argument("--post-every", type=float, default=POST_S, help="seconds between posts in a group")
    parser.add_argument("--threads", type=int, default=THREADS, help="client threads sharing the members")
    parser.add_argument("--poll", choices=["page", "api"], default="page", help="the board's partial or the API")
    args = parser.parse_args(argv)

    print(f"== Waymark peer groups benchmark on {args.db} ==", flush=True)
    open_fresh_database(args.db, DB_NAME)
    from django.db import connection

    started = time.perf_counter()
    members, groups, last_seeded = _setup(args.groups, args.members)
    setup_s = time.perf_counter() - started
    _log(f"set up {len(groups)} groups × {args.members} members, {HISTORY} messages on each board, in {setup_s:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    connection.close()  # the benchmark's own connection is not part of the server's load

    run = Run(args, members, groups, last_seeded, postgresql=connection.vendor == "postgresql")
    result = run.go()
    from waymark.community.models import Message

    result["messages_posted_in_db"] = Message.objects.filter(pk__gt=last_seeded).count()
    report = {
        "database": _database_version(connection),
        "machine": _machine(),
        "setup_s": round(setup_s, 1),
        "target_delivery_p95_ms": args.poll_every * 1000 + TARGET_SLACK_MS,
        **result,
    }
    _print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    scale = "" if (args.groups, args.members) == (GROUPS, MEMBERS) else f"-{args.groups}x{args.members}"
    scale += "" if args.poll_every == POLL_S else f"-poll{args.poll_every:g}s"
    out = RESULTS / f"community{'-api' if args.poll == 'api' else ''}-{args.db}{scale}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWritten: {out.relative_to(ROOT)}")
    ok = report["delivery"]["all_delivered"] and not report["errors"]["count"]
    return 0 if ok else 1


# --- set-up ----------------------------------------------------------------------------------------------


@dataclass
class Member:
    index: int
    member_id: int
    group_id: int
    cookie: str
    csrf: str
    etag: str = ""
    after: int = 0
    seen: set[int] = field(default_factory=set)
    polled_from: float = 0.0  # when the last answered poll started


def _setup(n_groups: int, per_group: int) -> tuple[list[Member], list[list[Member]], int]:
    """Groups, members with companion settings and signed-in sessions, and each board's earlier messages.
    Returns the members, the members of each group, and the last earlier message's id."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from waymark.community.models import Group, Membership, Message, new_invite_code
    from waymark.companion.models import CompanionProfile
    from waymark.core.models import Program, User

    rng = random.Random(20261122)  # synthetic data, not security
    program = Program.objects.create(name="Bench peer support", time_zone="America/New_York")
    moderator = User(username="bench-moderator", role="peer_moderator", program=program)  # who made the groups
    moderator.set_unusable_password()
    moderator.save()
    users = []
    for i in range(n_groups * per_group):
        user = User(username=f"bench-member-{i:04d}", role="patient", program=None)
        user.set_unusable_password()
        users.append(user)
    users = User.objects.bulk_create(users)
    today = dt.date.today()
    CompanionProfile.objects.bulk_create(
        CompanionProfile(
            user=u,
            recovery_started_on=today - dt.timedelta(days=rng.randint(5, 900)),
            time_zone="America/New_York",
        )
        for u in users
    )
    groups = Group.objects.bulk_create(
        Group(kind=Group.Kind.OPEN, name=f"Evening group {g + 1}", invite_code=new_invite_code(), created_by=moderator)
        for g in range(n_groups)
    )
    memberships = Membership.objects.bulk_create(
        Membership(
            group=groups[i // per_group],
            user=u,
            display_name=f"Member {i % per_group + 1}",
            avatar_colour=rng.choice(["teal", "blue", "purple", "plum", "red", "brown", "green", "slate"]),
            show_days=i % 2 == 0,
        )
        for i, u in enumerate(users)
    )
    now = timezone.now()
    history = []
    for g, group in enumerate(groups):
        for k in range(HISTORY):
            author = memberships[g * per_group + rng.randrange(per_group)]
            history.append(
                Message(
                    group=group,
                    author=author,
                    text=rng.choice(TEXTS).format(n=rng.randint(2, 400)),
                    created_at=now - dt.timedelta(minutes=30 * (HISTORY - k)),
                )
            )
    Message.objects.bulk_create(history, batch_size=500)
    Group.objects.update(version=HISTORY)
    last_seeded = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    members = []
    for i, (user, membership) in enumerate(zip(users, memberships, strict=True)):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        csrf = secrets.token_hex(16)  # Django accepts its 32-character secret, unmasked, as the header token
        members.append(
            Member(
                index=i,
                member_id=membership.pk,
                group_id=membership.group_id,
                cookie=f"sessionid={session.session_key}; csrftoken={csrf}",
                csrf=csrf,
            )
        )
    by_group = [members[g * per_group : (g + 1) * per_group] for g in range(n_groups)]
    return members, by_group, last_seeded


# --- server load from /proc --------------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _cpu_of(pid: int) -> tuple[int, float] | None:
    """(process group, CPU seconds: user + system) of one process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # after "pid (name) "; fields[0] is the state
    return int(fields[2]), (int(fields[11]) + int(fields[12])) / TICK


def _processes() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _server_cpu(pgid: int) -> dict[int, float]:
    """CPU seconds of gunicorn's master and each worker (its own process group), by process id."""
    cpu = {}
    for pid in _processes():
        found = _cpu_of(pid)
        if found and found[0] == pgid:
            cpu[pid] = found[1]
    return cpu


def _database_cpu(db_name: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to `db_name` (its title names the database)."""
    backends = {}
    for pid in _processes():
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {db_name} " in title:
            found = _cpu_of(pid)
            if found:
                backends[pid] = found[1]
    return backends


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


# --- the run -------------------------------------------------------------------------------------------------


class Run:
    def __init__(
        self, args: argparse.Namespace, members: list[Member], groups: list[list[Member]], last_seeded: int,
        postgresql: bool,
    ) -> None:  # fmt: skip
        self.args = args
        self.members = members
        self.groups = groups
        self.last_seeded = last_seeded
        self.postgresql = postgresql
        self.lock = threading.Lock()
        self.port = 0
        self.polls: list[tuple[float, float, int]] = []  # (started, ms, status)
        self.posts: list[tuple[float, float]] = []  # (started, ms)
        self.posted: dict[int, tuple[float, int]] = {}  # message id → (answer received, author's index)
        self.sightings: list[tuple[int, int, float]] = []  # (message id, member index, answer received)
        self.errors: list[str] = []
        # Phases, in perf_counter time (set when the run starts): the boards load for one poll cycle, then
        # members post and poll (measured), then poll on so the last posts arrive.
        self.measure_from = self.measure_to = 0.0
        self.posting = 0  # posts under way
        self.stop = threading.Event()

    def go(self) -> dict[str, Any]:
        args = self.args
        self.port = web.free_port()
        _log(
            f"gunicorn on 127.0.0.1:{self.port}: {len(self.members)} members polling every {args.poll_every:g} s "
            f"({args.poll}), a post per group every ~{args.post_every:g} s, for {args.seconds:g} s"
        )
        server = web.start_gunicorn(self.port, "community")
        try:
            alone = self.one_at_a_time()
            self.prime()
            start = time.perf_counter() + 1.0
            self.measure_from = start + 1.0
            self.measure_to = self.measure_from + args.seconds
            threads = [threading.Thread(target=self.client, args=(t, start)) for t in range(args.threads)]
            for t in threads:
                t.start()
            time.sleep(max(self.measure_from - time.perf_counter(), 0))
            load_before = os.getloadavg()
            server_before = _server_cpu(server.pid)
            db_before = _database_cpu(DB_NAME) if self.postgresql else {}
            busy_before = _machine_busy()
            client_before = time.process_time()
            time.sleep(max(self.measure_to - time.perf_counter(), 0))
            window = time.perf_counter() - self.measure_from
            server_after = _server_cpu(server.pid)
            per_process = {pid: v - server_before.get(pid, 0.0) for pid, v in server_after.items()}
            db_after = _database_cpu(DB_NAME) if self.postgresql else {}
            busy_after = _machine_busy()
            client_s = time.process_time() - client_before
            load_after = os.getloadavg()
            caught_up_s = self.catch_up()
            self.stop.set()
            for t in threads:
                t.join()
        finally:
            web.stop(server)
        db_s = sum(v - db_before.get(pid, 0.0) for pid, v in db_after.items())
        busy = (busy_after[0] - busy_before[0]) / max(busy_after[1] - busy_before[1], 1)
        db = db_s if self.postgresql else None
        result = self.results(window, per_process, db, busy, client_s, load_before, load_after)
        result["delivery"]["members_caught_up_s"] = caught_up_s
        return {"one_at_a_time": alone, **result}

    def catch_up(self) -> float | None:
        """After the measured time, the posts under way finish; then wait until every member has had an answer
        to a poll started after the last post's answer. Returns how long that took after the measured time (None:
        not within CATCH_UP_LIMIT_S)."""
        deadline = self.measure_to + CATCH_UP_LIMIT_S
        while self.posting and time.perf_counter() < deadline:
            time.sleep(0.05)
        last_post = time.perf_counter()
        while time.perf_counter() < deadline:
            if all(m.polled_from > last_post for m in self.members):
                return round(time.perf_counter() - self.measure_to, 1)
            time.sleep(0.1)
        return None

    def one_at_a_time(self, n: int = 20) -> dict[str, Any]:
        """Each kind of request alone, one after another (no queue): what one costs. In the first group: the
        whole list (no ETag), a poll of a current copy (304), a post, then a poll of the copy from before the
        post (only the new post comes back)."""
        member, other = self.groups[0][0], self.groups[0][1]
        _log(f"each kind of request alone, {n} times: the whole list, a 304, a post, a poll with one new post")
        times: dict[str, list[float]] = {"poll_whole_list": [], "poll_304": [], "post": [], "poll_new_post": []}
        headers = {"Cookie": member.cookie, "HX-Request": "true"}
        rng = random.Random(-1)

        def timed(key: str, path: str, sent: dict[str, str], expect: int) -> tuple[bytes, str]:
            began = time.perf_counter()
            status, body, etag = _get(self.port, path, sent)
            times[key].append((time.perf_counter() - began) * 1000)
            if status != expect:
                raise SystemExit(f"GET {path} answered {status}, not {expect} ({key})")
            return body, etag

        for _ in range(n):
            body, etag = timed("poll_whole_list", self.poll_path(member, None), headers, 200)
            last = max(self.message_ids(body))
            timed("poll_304", self.poll_path(member, last), {**headers, "If-None-Match": etag}, 304)
            began = time.perf_counter()
            self.post(rng, [other], record=False)
            times["post"].append((time.perf_counter() - began) * 1000)
            body, _etag = timed("poll_new_post", self.poll_path(member, last), {**headers, "If-None-Match": etag}, 200)
            if len(self.message_ids(body)) != 1:
                raise SystemExit(f"A poll after one post answered {len(self.message_ids(body))} messages, not 1")
        if self.errors:
            raise SystemExit(f"A post failed: {self.errors[0]}")
        return {key: _stats(series) for key, series in times.items()}

    def poll_path(self, member: Member, after: int | None) -> str:
        if self.args.poll == "page":
            return f"/community/{member.group_id}/messages/"
        query = "" if after is None else f"?after={after}"
        return f"/api/v1/community/groups/{member.group_id}/messages{query}"

    def message_ids(self, body: bytes) -> set[int]:
        if self.args.poll == "page":
            return {int(i) for i in MESSAGE_ID.findall(body)}
        return {m["id"] for m in json.loads(body)["messages"]}

    def prime(self) -> None:
        """Every member has their board open already (its ETag and messages), as after loading the board page:
        the measured load is the steady state, not 1,000 people opening their boards in the same second."""
        from django.db import connection

        from waymark.community import services
        from waymark.community.models import Membership, Message

        by_group: dict[int, set[int]] = {}
        for group_id, message_id in Message.objects.values_list("group_id", "pk"):
            by_group.setdefault(group_id, set()).add(message_id)
        memberships = Membership.objects.select_related("group").in_bulk([m.member_id for m in self.members])
        for m in self.members:
            m.seen = set(by_group[m.group_id])
            m.after = max(m.seen)
            m.etag = str(services.board_state(memberships[m.member_id]).tag(m.after))
        self.last_seeded = max(max(ids) for ids in by_group.values())
        connection.close()

    def client(self, t: int, start: float) -> None:
        """One thread: its share of the members (polls) and of the groups (posts), each on its own schedule."""
        args = self.args
        rng = random.Random(t)
        queue: list[tuple[float, int, str, int]] = []
        for m in self.members[t :: args.threads]:
            queue.append((start + rng.uniform(0, args.poll_every), m.index, "poll", m.index))
        for g in range(t, len(self.groups), args.threads):
            queue.append((self.measure_from + rng.uniform(0, args.post_every), g, "post", g))
        heapq.heapify(queue)
        while queue:
            due, order, kind, who = heapq.heappop(queue)
            if kind == "post" and due >= self.measure_to:
                continue
            if self.stop.wait(max(due - time.perf_counter(), 0)):
                return
            if kind == "poll":
                self.poll(self.members[who])
                after = due + args.poll_every
            else:
                self.post(rng, self.groups[who])
                after = due + args.post_every * rng.uniform(0.8, 1.2)
            heapq.heappush(queue, (max(after, time.perf_counter()), order, kind, who))

    def poll(self, member: Member) -> None:
        headers = {"Cookie": member.cookie}
        if self.args.poll == "page":
            headers["HX-Request"] = "true"
        path = self.poll_path(member, member.after)
        if member.etag:
            headers["If-None-Match"] = member.etag
        began = time.perf_counter()
        try:
            status, body, etag = _get(self.port, path, headers)
        except OSError as exc:
            self.error(f"poll {path}: {exc!r}")
            return
        done = time.perf_counter()
        if status not in (200, 204, 304):
            self.error(f"poll {path}: {status} {body[:200]!r}")
            return
        member.polled_from = began
        if status in (200, 204):
            member.etag = etag
            ids = self.message_ids(body) if status == 200 else set()
            member.after = max(ids | {member.after})
            new = ids - member.seen
            member.seen |= ids
        else:
            new = set()
        with self.lock:
            self.polls.append((began, (done - began) * 1000, status))
            self.sightings.extend((i, member.index, done) for i in new if i > self.last_seeded)

    def post(self, rng: random.Random, group: list[Member], record: bool = True) -> None:
        author = rng.choice(group)
        path = f"/api/v1/community/groups/{author.group_id}/messages"
        body = json.dumps({"client_id": str(uuid.uuid4()), "text": rng.choice(TEXTS).format(n=rng.randint(2, 400))})
        headers = {"Content-Type": "application/json", "Cookie": author.cookie, "X-CSRFToken": author.csrf}
        with self.lock:
            self.posting += 1
        began = time.perf_counter()
        try:
            status, content = web.request(self.port, "POST", path, body, headers)
        except OSError as exc:
            self.error(f"post {path}: {exc!r}")
            return
        finally:
            with self.lock:
                self.posting -= 1
        done = time.perf_counter()
        if status != 201:
            self.error(f"post {path}: {status} {content[:200]!r}")
            return
        if not record:
            return
        with self.lock:
            self.posts.append((began, (done - began) * 1000))
            self.posted[json.loads(content)["id"]] = (done, author.index)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)

    def results(
        self, window: float, per_process: dict[int, float], db_s: float | None, busy: float, client_s: float,
        load_before: tuple[float, float, float], load_after: tuple[float, float, float],
    ) -> dict[str, Any]:  # fmt: skip
        server_s = sum(per_process.values())
        measured = [(ms, status) for began, ms, status in self.polls if self.measure_from <= began < self.measure_to]
        posts = [ms for began, ms in self.posts if self.measure_from <= began < self.measure_to]
        per_group = self.args.members - 1
        delays: list[float] = []
        early = 0
        reached: set[tuple[int, int]] = set()
        for message_id, member_index, seen_at in self.sightings:
            found = self.posted.get(message_id)
            if found is None or found[1] == member_index:
                continue  # an author seeing their own post, or a post whose answer never came
            reached.add((message_id, member_index))
            delay = (seen_at - found[0]) * 1000
            early += delay < 0
            delays.append(max(delay, 0.0))
        expected = len(self.posted) * per_group
        requests = len(measured) + len(posts)
        not_modified = sum(1 for _, status in measured if status == 304)
        return {
            "server": "gunicorn, 2 workers × 4 threads (waymark serve's flags), on 127.0.0.1",
            "groups": len(self.groups),
            "members_per_group": self.args.members,
            "members": len(self.members),
            "poll": {
                "page": "GET /community/<id>/messages/ (the board's live list), If-None-Match",
                "api": "GET /api/v1/community/groups/<id>/messages?after=<last id>, If-None-Match",
            }[self.args.poll],
            "poll_every_s": self.args.poll_every,
            "post_every_s": self.args.post_every,
            "client_threads": self.args.threads,
            "measured_s": round(window, 1),
            "delivery": {
                **_stats(delays),
                "posts": len(self.posted),
                "expected_deliveries": expected,
                "deliveries": len(reached),
                "all_delivered": len(reached) == expected and expected > 0,
                "seen_before_the_authors_answer": early,
            },
            "polls": {
                **_stats([ms for ms, _ in measured]),
                "not_modified_share": round(not_modified / len(measured), 3) if measured else None,
                "answered_304": _stats([ms for ms, status in measured if status == 304]),
                "answered_200": _stats([ms for ms, status in measured if status == 200]),
            },
            "posts": _stats(posts),
            "offered_requests_per_s": round(
                len(self.members) / self.args.poll_every + len(self.groups) / self.args.post_every, 1
            ),
            "requests_per_s": round(requests / window, 1),
            "server_load": {
                "gunicorn_cpu_s": round(server_s, 1),
                # The master and each worker, busiest first: a worker of 4 threads uses at most one CPU (the GIL).
                "gunicorn_cpu_s_by_process": sorted((round(v, 1) for v in per_process.values()), reverse=True),
                "gunicorn_cpu_share": round(server_s / window, 2),  # CPUs kept busy by the web server
                "gunicorn_cpu_ms_per_request": round(server_s * 1000 / requests, 2) if requests else None,
                "database_cpu_s": round(db_s, 1) if db_s is not None else None,
                "client_cpu_s": round(client_s, 1),  # the benchmark's own threads, on the same machine
                "machine_busy_share": round(busy, 2),
                "load_average_1m": [round(load_before[0], 2), round(load_after[0], 2)],
            },
            "errors": {"count": len(self.errors), "examples": self.errors[:10]},
        }


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes, str]:
    """One GET on a new connection, with the answer's ETag."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path, None, headers)
        response = conn.getresponse()
        return response.status, response.read(), response.getheader("ETag", "")
    finally:
        conn.close()


def _stats(series: list[float]) -> dict[str, Any]:
    if not series:
        return {"count": 0}
    cuts = statistics.quantiles(series, n=100, method="inclusive") if len(series) > 1 else [series[0]] * 99
    return {
        "count": len(series),
        "p50_ms": round(statistics.median(series), 1),
        "p95_ms": round(cuts[94], 1),
        "p99_ms": round(cuts[98], 1),
        "max_ms": round(max(series), 1),
    }


def _print(report: dict[str, Any]) -> None:
    print()
    print(f"{report['database']}, {report['machine']['cpus']} CPUs ({report['machine']['cpu_model']})")
    print(
        f"{report['groups']} groups × {report['members_per_group']} members, polling every {report['poll_every_s']:g} s"
        f" ({report['poll']}), a post per group every ~{report['post_every_s']:g} s, {report['measured_s']} s measured"
        f", HTTP to {report['server']} (setup {report['setup_s']} s)"
    )

    def line(label: str, s: dict[str, Any]) -> None:
        if not s.get("count"):
            print(f"  {label:<28} none")
            return
        print(
            f"  {label:<28} p50 {s['p50_ms']:>7.1f} ms  p95 {s['p95_ms']:>7.1f} ms  p99 {s['p99_ms']:>7.1f} ms"
            f"  max {s['max_ms']:>7.1f} ms  ({s['count']:,})"
        )

    alone = report["one_at_a_time"]
    print("one request at a time, no load:")
    line("poll: the whole list", alone["poll_whole_list"])
    line("poll answered 304", alone["poll_304"])
    line("post", alone["post"])
    line("poll: one new post", alone["poll_new_post"])
    print("everyone at once:")
    d = report["delivery"]
    line("delivery (post → others)", d)
    print(
        f"  {d['deliveries']:,} of {d['expected_deliveries']:,} deliveries of {d['posts']} posts "
        + ("(all, PASS)" if d["all_delivered"] else "(MISSING SOME, FAIL)")
        + f"; {d['seen_before_the_authors_answer']} seen before the author's answer (counted as 0); "
        + (
            f"every member up to date {d['members_caught_up_s']} s after the measured time"
            if d["members_caught_up_s"] is not None
            else f"members NOT up to date {CATCH_UP_LIMIT_S:g} s after the measured time"
        )
    )
    p = report["polls"]
    line("poll, all", p)
    line("poll answered 304", p["answered_304"])
    line("poll answered 200", p["answered_200"])
    line("post", report["posts"])
    share = p.get("not_modified_share")
    print(
        f"  {report['requests_per_s']} requests/s answered of {report['offered_requests_per_s']} asked; "
        + (f"{share:.1%} of polls answered 304" if share else "")
    )
    s = report["server_load"]
    db = f", database backends {s['database_cpu_s']} CPU-s" if s["database_cpu_s"] is not None else ""
    print(
        f"  server: gunicorn {s['gunicorn_cpu_s']} CPU-s (by process {s['gunicorn_cpu_s_by_process']};"
        f" {s['gunicorn_cpu_share']} CPUs busy, "
        f"{s['gunicorn_cpu_ms_per_request']} ms per request){db}; benchmark clients {s['client_cpu_s']} CPU-s;"
        f" machine {s['machine_busy_share']:.0%} busy; load average {s['load_average_1m'][0]} → "
        f"{s['load_average_1m'][1]}"
    )
    errors = report["errors"]
    if errors["count"]:
        print(f"  {errors['count']} errors, e.g. {errors['examples'][0]}")
    ok = d.get("p95_ms", float("inf")) < report["target_delivery_p95_ms"]
    print(
        f"delivery p95 under {report['target_delivery_p95_ms'] / 1000:g} s (poll interval + 1 s): "
        + ("yes" if ok else "NO")
    )


if __name__ == "__main__":
    raise SystemExit(main())
