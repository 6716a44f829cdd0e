"""The home page's one write: a milestone the person reached is celebrated once, then remembered as seen.

A milestone is reached on total days in recovery (companion.progress.milestones), so once reached it stays
reached after a lapse, and it is never celebrated twice. Idempotent: the unique (user, key) constraint decides
when two pages are open at once.
"""

from django.db import transaction

from waymark.companion.models import MilestoneSeen
from waymark.companion.services import patient_of
from waymark.companion.today import ReachedMilestone
from waymark.core import audit
from waymark.core.models import User


def celebrate(user: User, unseen: list[ReachedMilestone]) -> ReachedMilestone | None:
    """Record every milestone in `unseen` as seen; return the one to celebrate (the highest), or None.

    Someone who sets up the companion a year into recovery has reached several milestones at once: one
    celebration (the highest) is shown, and the others are remembered so they are not shown later either."""
    if not unseen:
        return None
    with transaction.atomic():
        MilestoneSeen.objects.bulk_create(
            [MilestoneSeen(user=user, key=r.milestone.key, reached_on=r.reached_on) for r in unseen],
            ignore_conflicts=True,
        )
        patient = patient_of(user)
        audit.record(
            user,
            "companion_milestone",
            patient_id=patient.pk if patient else None,
            program_id=patient.program_id if patient else None,
            object_type="milestoneseen",
            object_id=unseen[-1].milestone.key,
        )
    return max(unseen, key=lambda r: r.milestone.days)
