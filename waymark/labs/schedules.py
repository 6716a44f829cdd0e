"""Random drug-testing days. Pure module (no Django).

A person's testing days for a month are drawn from the program's secret seed,
so they cannot be guessed in advance by anyone without it, yet anyone holding
the seed can re-check them by hand, on any computer and any Python version:

1. list the open days of the month: days whose weekday is in `open_weekdays`
   (Monday = 0 … Sunday = 6) and that are not in `closed_days` (holidays);
2. for each open day compute the SHA-256 of the UTF-8 text
   ``f"{seed}:{patient_key}:{day.isoformat()}"``, for example
   ``sha256("s3cret:P-0001:2025-03-03")``, written as 64 lowercase hexadecimal
   digits;
3. sort the open days by that hexadecimal digest, lowest first (ties, which
   SHA-256 makes practically impossible, go to the earlier day);
4. take the first `per_month` days (all open days if there are fewer) and
   return them in calendar order.

From a shell: ``printf 's3cret:P-0001:2025-03-03' | sha256sum``.

How many tests a month, and on which weekdays the program collects, are
program settings; REFERENCE.md gives no figure for random testing frequency
(§7 cites thrice-weekly testing for voucher schedules, a fixed schedule).
"""

import calendar
import datetime as dt
import hashlib


def day_digest(seed: str, patient_key: str, day: dt.date) -> str:
    """The SHA-256 hexadecimal digest that ranks `day` for this person (step 2 above)."""
    return hashlib.sha256(f"{seed}:{patient_key}:{day.isoformat()}".encode()).hexdigest()


def _validate(
    seed: str, patient_key: str, year: int, month: int, per_month: int, open_weekdays: frozenset[int]
) -> None:
    if not seed:
        raise ValueError("The program's testing seed is empty; set a secret seed before drawing testing days.")
    if not patient_key:
        raise ValueError("The person's key is empty; each person needs their own key to draw testing days.")
    if isinstance(year, bool) or not isinstance(year, int) or not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise ValueError(f"Year {year!r} is not a calendar year.")
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise ValueError(f"Month {month!r} is not a month: use 1 (January) to 12 (December).")
    if isinstance(per_month, bool) or not isinstance(per_month, int) or not 1 <= per_month <= 31:
        raise ValueError(f"Tests per month must be a whole number from 1 to 31, not {per_month!r}.")
    if not open_weekdays:
        raise ValueError("Choose at least one weekday the program collects specimens (Monday 0 to Sunday 6).")
    bad = sorted(
        (d for d in open_weekdays if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6), key=repr
    )
    if bad:
        raise ValueError(f"Weekdays are numbered Monday 0 to Sunday 6; {', '.join(map(repr, bad))} is not a weekday.")


def open_days(
    year: int, month: int, open_weekdays: frozenset[int], closed_days: frozenset[dt.date] = frozenset()
) -> list[dt.date]:
    """The days of the month the program collects specimens, in calendar order (step 1 above)."""
    last = calendar.monthrange(year, month)[1]
    days = (dt.date(year, month, n) for n in range(1, last + 1))
    return [d for d in days if d.weekday() in open_weekdays and d not in closed_days]


def random_test_days(
    seed: str,
    patient_key: str,
    year: int,
    month: int,
    per_month: int,
    open_weekdays: frozenset[int],
    closed_days: frozenset[dt.date] = frozenset(),
) -> list[dt.date]:
    """The person's testing days for the month, in calendar order: the `per_month` open days with the lowest
    SHA-256 digests (see the module docstring), or every open day when there are fewer. An empty list when
    the program is closed all month. Bad arguments raise ValueError with a message an admin can act on."""
    _validate(seed, patient_key, year, month, per_month, open_weekdays)
    ranked = sorted(
        open_days(year, month, open_weekdays, closed_days), key=lambda d: (day_digest(seed, patient_key, d), d)
    )
    return sorted(ranked[:per_month])
