"""Plain, honest sentences for the insights page, from the pure results of
insights.py. Every sentence gives the numbers it rests on (averages and how many
days) and says how sure it is, in the words of insights.MINIMUM_DATA:

- "likely": the 95% interval leaves out no difference → "probably real, not chance";
- "unclear": the interval includes no difference → "could be chance";
- "not_enough_data": fewer than insights.MIN_GROUP days on a side → "not enough data yet to say".

Weekday and time-of-day averages carry no interval, so their sentences say that
small differences could be chance, and call groups "about the same" when the
highest is within `SAME_WITHIN` points of the lowest [design choice].
These are patterns in the person's own data, never a diagnosis (`DISCLAIMER`).
"""

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from waymark.companion import insights

SAME_WITHIN = 0.5  # craving points: a highest group closer than this to the lowest is "about the same"

WEEKDAY_NAMES = {
    "monday": gettext_lazy("Monday"),
    "tuesday": gettext_lazy("Tuesday"),
    "wednesday": gettext_lazy("Wednesday"),
    "thursday": gettext_lazy("Thursday"),
    "friday": gettext_lazy("Friday"),
    "saturday": gettext_lazy("Saturday"),
    "sunday": gettext_lazy("Sunday"),
}
WEEKDAY_PLURALS = {
    "monday": gettext_lazy("Mondays"),
    "tuesday": gettext_lazy("Tuesdays"),
    "wednesday": gettext_lazy("Wednesdays"),
    "thursday": gettext_lazy("Thursdays"),
    "friday": gettext_lazy("Fridays"),
    "saturday": gettext_lazy("Saturdays"),
    "sunday": gettext_lazy("Sundays"),
}
TIME_NAMES = {
    insights.MORNING: gettext_lazy("Morning (5:00–11:59)"),
    insights.AFTERNOON: gettext_lazy("Afternoon (12:00–16:59)"),
    insights.EVENING: gettext_lazy("Evening (17:00–21:59)"),
    insights.NIGHT: gettext_lazy("Night (22:00–4:59)"),
}
TIME_IN_SENTENCE = {
    insights.MORNING: gettext_lazy("in the morning"),
    insights.AFTERNOON: gettext_lazy("in the afternoon"),
    insights.EVENING: gettext_lazy("in the evening"),
    insights.NIGHT: gettext_lazy("at night"),
}
# The check-in's trigger keys (models.TRIGGERS), in words; an unknown key is shown as it is.
TRIGGER_NAMES = {
    "people": gettext_lazy("People"),
    "places": gettext_lazy("Places"),
    "stress": gettext_lazy("Stress"),
    "pain": gettext_lazy("Pain"),
    "boredom": gettext_lazy("Boredom"),
    "conflict": gettext_lazy("Conflict"),
    "money": gettext_lazy("Money"),
    "sleep": gettext_lazy("Poor sleep"),
    "loneliness": gettext_lazy("Loneliness"),
    "celebration": gettext_lazy("Celebrating"),
    "cues": gettext_lazy("Seeing or hearing about use"),
}

DISCLAIMER = gettext_lazy(
    "These are patterns in your own check-ins, not a diagnosis. They show what has tended to go together for "
    "you, not what causes what, and they can change. If something here worries you, talk it over with your "
    "counsellor or doctor."
)


def number(value: float) -> str:
    """One decimal, in the page's language (6.1 / 6,1)."""
    return formats.number_format(round(value, 1), 1, use_l10n=True)


def percent(share: float) -> str:
    return _("%(percent)s%%") % {"percent": formats.number_format(round(share * 100), 0, use_l10n=True)}


def trigger_name(key: str) -> str:
    return str(TRIGGER_NAMES.get(key, key))


def bar_class(value: float | None, top: float = 10.0) -> str:
    """CSS class bar-0 … bar-10 for a value on 0…top (no inline styles: the pages run under a strict CSP)."""
    if value is None or top <= 0:
        return "bar-0"
    return f"bar-{max(0, min(10, round(value / top * 10)))}"


# --- Weekday and time of day ---------------------------------------------------------------------------------


def _spread_is_small(groups: list[insights.GroupStat]) -> bool:
    means = [g.mean for g in groups if g.enough_data and g.mean is not None]
    return len(means) >= 2 and max(means) - min(means) < SAME_WITHIN


def weekday_sentence(summary: insights.Insights) -> str:
    top = summary.top_weekday
    if top is None or top.mean is None:
        return _(
            "There aren't enough check-ins yet to compare days of the week: at least two days need "
            "%(count)s check-ins each."
        ) % {"count": insights.MIN_DAYS}
    if _spread_is_small(summary.craving_by_weekday):
        return _("Your craving has been about the same on every day of the week with enough check-ins.")
    return _(
        "Your craving has been highest on %(days)s: %(mean)s on average, from %(count)s check-ins. These are "
        "averages only, so a small difference between days could be chance."
    ) % {"days": WEEKDAY_PLURALS[top.key], "mean": number(top.mean), "count": top.n}


def time_of_day_sentence(summary: insights.Insights) -> str:
    top = summary.top_time_of_day
    if top is None or top.mean is None:
        return _(
            "There aren't enough check-ins yet to compare times of day: at least two times of day need "
            "%(count)s check-ins each."
        ) % {"count": insights.MIN_DAYS}
    if _spread_is_small(summary.craving_by_time_of_day):
        return _("Your craving has been about the same whatever time of day you checked in.")
    return _(
        "Check-ins made %(when)s had the highest craving: %(mean)s on average, from %(count)s check-ins. This is "
        "the time you checked in, which may not be when craving was strongest."
    ) % {"when": TIME_IN_SENTENCE[top.key], "mean": number(top.mean), "count": top.n}


# --- Triggers ------------------------------------------------------------------------------------------------


def leading_triggers(summary: insights.Insights, limit: int = 5) -> list[insights.TriggerLink]:
    """Triggers followed by high craving or use more often than other days, strongest first."""
    return [t for t in summary.trigger_links if t.difference is not None and t.difference > 0][:limit]


def trigger_sentence(link: insights.TriggerLink) -> str:
    values = {
        "trigger": trigger_name(link.trigger),
        "high": insights.HIGH_CRAVING,
        "share": percent(link.share_with),
        "followed": link.followed_with,
        "days": link.days_with,
        "other": percent(link.share_without or 0.0),
        "other_days": link.days_without,
    }
    finding = (
        _(
            "On days you noted “%(trigger)s”, high craving (%(high)s or more) or use followed the same day or the "
            "next %(share)s of the time (%(followed)s of %(days)s days), compared with %(other)s of other days "
            "(from %(other_days)s days)"
        )
        % values
    )
    if link.confidence == insights.LIKELY:
        return _("%(finding)s. This link is probably real, not chance.") % {"finding": finding}
    if link.confidence == insights.UNCLEAR:
        return _("%(finding)s. The difference could be chance.") % {"finding": finding}
    return _("%(finding)s, but there isn't enough data yet to say.") % {"finding": finding}


# --- Sleep and meetings against next-day craving -------------------------------------------------------------


def _comparison_sentence(comparison: insights.Comparison, finding: str) -> str:
    if comparison.confidence == insights.LIKELY:
        return _("%(finding)s. This difference is probably real, not chance.") % {"finding": finding}
    if comparison.confidence == insights.UNCLEAR:
        return _("%(finding)s. The difference could be chance.") % {"finding": finding}
    return _("%(finding)s, but there isn't enough data yet to say.") % {"finding": finding}


def sleep_sentence(comparison: insights.Comparison) -> str:
    """Craving on the day after a short night against after a longer one (insights.next_day decides which
    check-ins pair up; the counts are the days compared)."""
    hours = f"{insights.SHORT_SLEEP_HOURS:g}"
    if comparison.group_mean is None or comparison.other_mean is None:
        return _(
            "Not enough data yet to compare sleep with craving the next day: this needs check-ins with your hours "
            "of sleep and your craving, after both short nights (under %(hours)s hours) and longer ones. So far: "
            "%(short)s after short nights and %(long)s after longer ones."
        ) % {"hours": hours, "short": comparison.group_n, "long": comparison.other_n}
    finding = _(
        "After nights when you slept less than %(hours)s hours, your craving the next day averaged %(short)s, "
        "compared with %(long)s after longer sleep (from %(n_short)s and %(n_long)s days)"
    ) % {
        "hours": hours,
        "short": number(comparison.group_mean),
        "long": number(comparison.other_mean),
        "n_short": comparison.group_n,
        "n_long": comparison.other_n,
    }
    return _comparison_sentence(comparison, finding)


def meeting_sentence(comparison: insights.Comparison) -> str:
    if comparison.group_mean is None or comparison.other_mean is None:
        return _(
            "Not enough data yet to compare meetings with the next day's craving: this needs check-ins after days "
            "with a meeting and after days without one. So far: %(with)s with and %(without)s without."
        ) % {"with": comparison.group_n, "without": comparison.other_n}
    finding = _(
        "On days after you went to a meeting, your craving the next day averaged %(met)s, compared with "
        "%(not_met)s after days without one (from %(n_met)s and %(n_not_met)s days)"
    ) % {
        "met": number(comparison.group_mean),
        "not_met": number(comparison.other_mean),
        "n_met": comparison.group_n,
        "n_not_met": comparison.other_n,
    }
    return _comparison_sentence(comparison, finding)


# --- Early warning -------------------------------------------------------------------------------------------


def warning_sentences(warning: insights.EarlyWarning) -> list[str]:
    cravings = ", ".join(str(c) for _day, c in warning.cravings)
    said = [_("Your craving has gone up over your last few check-ins: %(values)s (out of 10).") % {"values": cravings}]
    if warning.isolation:
        said.append(
            ngettext(
                "You haven't noted contact with a support person in the last %(days)s day.",
                "You haven't noted contact with a support person in the last %(days)s days.",
                insights.ISOLATION_DAYS,
            )
            % {"days": insights.ISOLATION_DAYS}
        )
    if warning.missed_meetings:
        said.append(
            ngettext(
                "You haven't been to a meeting in the last %(days)s day, though you had been going before.",
                "You haven't been to a meeting in the last %(days)s days, though you had been going before.",
                insights.MEETING_GAP_DAYS,
            )
            % {"days": insights.MEETING_GAP_DAYS}
        )
    said.append(
        _(
            "Together, these can come before a lapse. It is a good moment to open your plan and reach out to "
            "someone on it."
        )
    )
    return said
