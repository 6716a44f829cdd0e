"""Helpers the page benchmarks share (bench/assess.py, bench/care.py): a staff member with a
confirmed TOTP device, a client signed in past the TOTP step, a timed request with its query
count, and the comparison of a page at full size with the same page at a small size."""

from __future__ import annotations

import argparse
import time
from typing import Any

from bench.run import _log, timing_stats


def staff(username: str, role: str, program: Any, site: Any) -> Any:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from waymark.core.models import User

    user = User.objects.create(username=username, role=role, program=program, site=site)
    TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    return user


def signed_in(user: Any) -> Any:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    session.save()
    return client


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def timed(call: Any) -> tuple[float, int, Any]:
    """Milliseconds, queries and the result of `call()`."""
    from django.db import connection

    counter = _Counter()
    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        response = call()
        elapsed = (time.perf_counter() - start) * 1000
    return elapsed, counter.count, response


def without_samples(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stats.items() if k != "samples_ms"}


def compare(
    args: argparse.Namespace,
    built: dict[str, Any],
    url_name: str,
    patient_key: str | None,
    user_key: str,
    small_user_key: str | None,
    *,
    small_patient: str | None = None,
    counts: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Time GET `url_name` for the big case; count its queries there and in the small case (the same
    page for `small_user_key` / `small_patient`), so the report says whether queries grow with size.
    `counts`: report name → a piece of HTML to count in the big page (rows rendered)."""
    from django.urls import reverse

    def path(key: str | None) -> str:
        return reverse(url_name, args=[built["patients"][key].pk]) if key else reverse(url_name)

    def run(user: Any, url: str, count: int) -> tuple[list[float], set[int], str]:
        client = signed_in(user)
        times, seen, html = [], set(), ""
        for i in range(args.warmup + count):
            elapsed, n, response = timed(lambda: client.get(url))
            if response.status_code != 200:
                raise SystemExit(f"GET {url} answered {response.status_code}")
            if i >= args.warmup:
                times.append(elapsed)
                seen.add(n)
                html = response.content.decode()
        return times, seen, html

    big_url = path(patient_key)
    _log(f"page {big_url}: {args.warmup} + {args.page_requests}")
    times, queries, html = run(built["users"][user_key], big_url, args.page_requests)
    small_user = built["users"][small_user_key or user_key]
    _, small_queries, _ = run(small_user, path(small_patient or patient_key), 3)
    return {
        "path": big_url,
        "requests": args.page_requests,
        "queries": sorted(queries),
        "small_queries": sorted(small_queries),
        "queries_independent": queries == small_queries,
        **{name: html.count(piece) for name, piece in (counts or {}).items()},
        "bytes": len(html),
        **without_samples(timing_stats(times)),
    }
