"""Charts for the outcomes dashboard, as plain shapes a template draws as inline SVG.

Pure module: no Django. Each function takes plain lists and returns a `Chart`, a
frozen dataclass of already-scaled shapes (polyline points, bars, ticks, legend)
plus the same numbers as a small table, which the page offers in a <details> for
people who cannot see the chart. Styling is by CSS class only (the page's CSP has
no inline styles): lines are `series-N` (colour and dash pattern), bars and stacks
`stack-N` (colour and hatching), so groups differ by more than colour.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

WIDTH = 640
HEIGHT = 300
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 14, 44
SERIES_STYLES = 6  # series-0 … series-5 in outcomes.css; more groups cycle through them
STACK_STYLES = 6  # stack-0 … stack-5
ZERO_BAR = 1.5  # height of a bar at 0%


@dataclass(frozen=True)
class Tick:
    at: float  # position on its axis, in SVG units
    label: str


@dataclass(frozen=True)
class Line:
    label: str
    points: str  # "x,y x,y …" for <polyline points>
    css: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str  # the bar's own <title>: its numbers in words


@dataclass(frozen=True)
class LegendItem:
    label: str
    css: str
    kind: str  # "line" or "box"


@dataclass(frozen=True)
class Chart:
    key: str  # unique on the page: ids of <title>/<desc> are built from it
    title: str
    description: str
    x_label: str
    y_label: str
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    lines: tuple[Line, ...] = ()
    bars: tuple[Bar, ...] = ()
    legend: tuple[LegendItem, ...] = ()
    table_head: tuple[str, ...] = ()
    table_rows: tuple[tuple[str, ...], ...] = ()
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP

    @property
    def right(self) -> int:
        return self.width - RIGHT

    @property
    def bottom(self) -> int:
        return self.height - BOTTOM

    @property
    def empty(self) -> bool:
        return not self.lines and not self.bars

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def _num(value: float) -> str:
    """A coordinate with at most one decimal, no trailing zeros: 52, 180.5."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def _x(value: float, maximum: float) -> float:
    span = WIDTH - RIGHT - LEFT
    return LEFT + (value / maximum) * span if maximum > 0 else float(LEFT)


def _y(share: float, maximum: float = 1.0) -> float:
    span = HEIGHT - BOTTOM - TOP
    return TOP + (1 - share / maximum) * span if maximum > 0 else float(HEIGHT - BOTTOM)


def _share_ticks() -> tuple[Tick, ...]:
    return tuple(Tick(round(_y(s), 1), _percent(s)) for s in (0, 0.25, 0.5, 0.75, 1.0))


def _day_step(maximum: int) -> int:
    """A round step so the day axis has at most 8 labels."""
    for step in (7, 14, 30, 60, 90, 180, 365, 730):
        if maximum / step <= 8:
            return step
    return math.ceil(maximum / 8 / 365) * 365


def km_steps(curve: Sequence[tuple[int, float]], until: int | None = None) -> list[tuple[int, float]]:
    """The corners of a Kaplan–Meier step line: flat until each event day, then straight down.

    `curve` holds (day, share still retained from that day on); every line starts at
    day 0 at 100% (a drop on day 0 is drawn as a vertical line there). `until` extends
    the last level to that day (the group's own end of follow-up), never past it."""
    steps = [(0, 1.0), *sorted(curve)]
    corners: list[tuple[int, float]] = [steps[0]]
    for day, share in steps[1:]:
        previous = corners[-1][1]
        if share != previous:
            corners.append((day, previous))
        corners.append((day, share))
    if until is not None and until > corners[-1][0]:
        corners.append((until, corners[-1][1]))
    # Drop a corner repeated exactly (a step at the same day and level).
    deduped = [corners[0]]
    for point in corners[1:]:
        if point != deduped[-1]:
            deduped.append(point)
    return deduped


def retention_chart(
    curves: Sequence[tuple[str, Sequence[tuple[int, float]]]],
    *,
    follow_up: Mapping[str, int] | None = None,
    marks: Sequence[int] = (),
    key: str = "retention",
) -> Chart:
    """Retention curves (Kaplan–Meier), one step line per group, share retained against days since admission.

    `follow_up` gives each group's last day of follow-up (the line ends there);
    `marks` are the days the table reports (e.g. 30, 90, 180), labelled in the data table."""
    follow_up = follow_up or {}
    stepped = [(label, km_steps(curve, follow_up.get(label))) for label, curve in curves]
    last_day = max((points[-1][0] for _, points in stepped if points), default=0)
    maximum = max(last_day, *marks, 1) if marks else max(last_day, 1)
    step = _day_step(maximum)
    maximum = math.ceil(maximum / step) * step
    x_ticks = tuple(Tick(round(_x(d, maximum), 1), str(d)) for d in range(0, maximum + 1, step))
    lines = tuple(
        Line(
            label,
            " ".join(f"{_num(_x(day, maximum))},{_num(_y(share))}" for day, share in points),
            f"series-{i % SERIES_STYLES}",
        )
        for i, (label, points) in enumerate(stepped)
    )
    legend = tuple(LegendItem(line.label, line.css, "line") for line in lines)
    head = ("Group", *(f"Day {d}" for d in marks)) if marks else ("Group", "Day", "Retained")
    rows: list[tuple[str, ...]] = []
    for label, curve in curves:
        if marks:
            rows.append((label, *(_percent(survival_at(curve, d)) for d in marks)))
        else:
            rows.extend((label, str(d), _percent(s)) for d, s in km_steps(curve))
    names = ", ".join(label for label, _ in curves) or "no groups"
    return Chart(
        key=key,
        title="Retention in treatment by group",
        description=(
            f"Kaplan–Meier step lines of the share of episodes still in treatment against days since admission, "
            f"one line per group ({names}); episodes still open are censored at the end of the data."
        ),
        x_label="Days since admission",
        y_label="Share retained",
        x_ticks=x_ticks,
        y_ticks=_share_ticks(),
        lines=lines,
        legend=legend,
        table_head=head,
        table_rows=tuple(rows),
    )


def survival_at(curve: Sequence[tuple[int, float]], day: int) -> float:
    """The step function's value on `day`: the last step at or before it (100% before the first)."""
    share = 1.0
    for step_day, step_share in sorted(curve):
        if step_day > day:
            break
        share = step_share
    return share


def _month_ticks(months: Sequence[date], centres: Sequence[float]) -> tuple[Tick, ...]:
    every = max(1, math.ceil(len(months) / 12))
    return tuple(
        Tick(round(centre, 1), f"{month:%Y-%m}")
        for i, (month, centre) in enumerate(zip(months, centres, strict=True))
        if i % every == 0
    )


def _slots(count: int) -> tuple[list[float], float]:
    """Left edges of `count` equal bar slots across the plot, and the bar width (80% of a slot)."""
    span = WIDTH - RIGHT - LEFT
    slot = span / count if count else span
    width = slot * 0.8
    return [LEFT + i * slot + (slot - width) / 2 for i in range(count)], width


def negativity_chart(months: Sequence[tuple[date, int, int]], *, key: str = "negativity") -> Chart:
    """Share of expected specimens negative for opioids, one bar per month of collection.

    A month with no expected specimen has no bar (and says so in the table)."""
    rows = sorted(months)
    lefts, width = _slots(len(rows))
    bars = []
    table: list[tuple[str, ...]] = []
    for left, (month, expected, negative) in zip(lefts, rows, strict=True):
        if expected <= 0:
            table.append((f"{month:%Y-%m}", "0", "0", "—"))
            continue
        share = negative / expected
        # A month at 0% keeps a hairline bar, so it does not look like a month without data.
        top = min(_y(share), HEIGHT - BOTTOM - ZERO_BAR)
        words = f"{month:%Y-%m}: {negative} of {expected} expected specimens negative ({_percent(share)})"
        bars.append(
            Bar(round(left, 1), round(top, 1), round(width, 1), round(HEIGHT - BOTTOM - top, 1), "stack-0", words)
        )
        table.append((f"{month:%Y-%m}", str(expected), str(negative), _percent(share)))
    return Chart(
        key=key,
        title="Specimens negative for opioids, by month",
        description="One bar per month: the share of expected specimens that were negative for opioids.",
        x_label="Month of collection",
        y_label="Share negative",
        x_ticks=_month_ticks([m for m, _, _ in rows], [left + width / 2 for left in lefts]),
        y_ticks=_share_ticks(),
        bars=tuple(bars),
        table_head=("Month", "Expected", "Negative", "Share negative"),
        table_rows=tuple(table),
    )


def _count_step(maximum: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if maximum / step <= 6:
            return step
    return 10 ** math.ceil(math.log10(maximum / 6))


def census_chart(
    months: Sequence[tuple[date, Mapping[str, int]]],
    *,
    labels: Mapping[str, str] | None = None,
    key: str = "census",
) -> Chart:
    """Census by level of care: one stacked bar per month, one segment per level (in a fixed order).

    `labels` names each level of care for people ("otp" → "Opioid treatment program")."""
    labels = labels or {}
    rows = sorted(months, key=lambda item: item[0])
    levels = sorted({level for _, counts in rows for level, n in counts.items() if n > 0})
    totals = [sum(counts.get(level, 0) for level in levels) for _, counts in rows]
    top_total = max(totals, default=0)
    step = _count_step(max(top_total, 1))
    maximum = max(step, math.ceil(top_total / step) * step)
    lefts, width = _slots(len(rows))
    style = {level: f"stack-{i % STACK_STYLES}" for i, level in enumerate(levels)}
    bars = []
    for left, (month, counts) in zip(lefts, rows, strict=True):
        below = 0
        for level in levels:
            n = counts.get(level, 0)
            if n <= 0:
                continue
            y_top, y_bottom = _y(below + n, maximum), _y(below, maximum)
            words = f"{month:%Y-%m}: {n} in {labels.get(level, level)}"
            bars.append(
                Bar(round(left, 1), round(y_top, 1), round(width, 1), round(y_bottom - y_top, 1), style[level], words)
            )
            below += n
    y_ticks = tuple(Tick(round(_y(v, maximum), 1), str(v)) for v in range(0, maximum + 1, step))
    return Chart(
        key=key,
        title="Census by level of care, by month",
        description=(
            "One stacked bar per month: how many people were in treatment at each level of care "
            f"({', '.join(labels.get(level, level) for level in levels) or 'none'})."
        ),
        x_label="Month",
        y_label="People in treatment",
        x_ticks=_month_ticks([m for m, _ in rows], [left + width / 2 for left in lefts]),
        y_ticks=y_ticks,
        bars=tuple(bars),
        legend=tuple(LegendItem(labels.get(level, level), style[level], "box") for level in levels),
        table_head=("Month", *(labels.get(level, level) for level in levels), "Total"),
        table_rows=tuple(
            (f"{month:%Y-%m}", *(str(counts.get(level, 0)) for level in levels), str(total))
            for (month, counts), total in zip(rows, totals, strict=True)
        ),
    )
