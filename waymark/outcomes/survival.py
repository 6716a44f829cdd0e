"""Kaplan–Meier retention curves. Pure module (no Django): plain lists in, steps out.

Each episode gives one observation: `time` = days retained (last covered day − start + 1; 0 when
never covered) and `event` = True when the person dropped out, False when the observation is censored
(still covered at the data's end). S(t) is the share still retained after day t, i.e. P(T > t), so
S(D) matches "retained at day D" (a covered day ≥ start + D ⟺ T ≥ D + 1) when nothing is censored.

The estimator is the product-limit one (Kaplan & Meier 1958): at each distinct event time t,
S(t) = S(t−) × (1 − d_t / n_t), with n_t the observations whose time is ≥ t (censored at t still count
as at risk at t) and d_t the events at t. Computed in closed form from the sorted times: one pass over
the distinct times, never over doses.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Observation:
    time: int  # days retained (≥ 0)
    event: bool  # True: dropped out at `time`; False: censored at `time`


def kaplan_meier(observations: Iterable[Observation]) -> tuple[tuple[int, float], ...]:
    """The survival steps: (0, 1.0) first, then (t, S(t)) at each distinct event time, ascending.

    Empty input gives (). A time below 0 raises ValueError."""
    obs = list(observations)
    if not obs:
        return ()
    if any(o.time < 0 for o in obs):
        raise ValueError("A retention time cannot be negative.")
    events = Counter(o.time for o in obs if o.event)
    ends = Counter(o.time for o in obs)  # every observation leaves the risk set after its time
    at_risk = len(obs)
    survival = 1.0
    steps: list[tuple[int, float]] = [(0, 1.0)]
    for t in sorted(ends):
        d = events.get(t, 0)
        if d:
            survival *= 1.0 - d / at_risk
            if t == 0:
                steps[0] = (0, survival)
            else:
                steps.append((t, survival))
        at_risk -= ends[t]
    return tuple(steps)


def survival_at(curve: Sequence[tuple[int, float]], day: int) -> float | None:
    """S(day) read off a curve from kaplan_meier (None for an empty curve)."""
    if not curve:
        return None
    value = curve[0][1]
    for t, s in curve:
        if t > day:
            break
        value = s
    return value
