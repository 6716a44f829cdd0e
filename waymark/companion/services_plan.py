"""The relapse-prevention plan's writes: the person's triggers and early warning
signs with what they will do about each, their reasons for recovery, and
whether their care team may see the plan.

The plan belongs to the person's account and is made on their first change.
Each function takes the signed-in person's own account and refuses objects of
anyone else's; each runs in a transaction and writes an audit row (the
person's words are never put in the audit reason).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from waymark.companion.models import PlanItem, RelapsePlan
from waymark.companion.services import _audit, patient_of
from waymark.core.models import User

MAX_ITEM_TEXT = 300
MAX_COPING = 2000
MAX_REASONS = 4000
MAX_ITEMS = 60


def plan_of(user: User) -> RelapsePlan | None:
    """The person's plan, or None before they first add to it."""
    return RelapsePlan.objects.filter(user=user).first()


def _plan_for_update(user: User) -> RelapsePlan:
    plan, _created = RelapsePlan.objects.select_for_update().get_or_create(user=user)
    return plan


def _text(errors: dict[str, str], name: str, value: str, limit: int, missing: str) -> str:
    text = "\n".join(line.rstrip() for line in (value or "").strip().splitlines())
    if not text:
        errors[name] = missing
    elif len(text) > limit:
        errors[name] = _("Please keep this under %(limit)s characters.") % {"limit": limit}
    elif "\x00" in text:
        errors[name] = _("This text contains a character that cannot be saved.")
    return text


def _clean_item(kind: str, text: str, coping: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if kind not in PlanItem.Kind.values:
        errors["kind"] = _("Choose whether this is a trigger or an early warning sign.")
    values = {
        "kind": kind,
        "text": _text(errors, "text", text, MAX_ITEM_TEXT, _("Write the trigger or warning sign in your own words.")),
        "coping": _text(
            errors, "coping", coping, MAX_COPING, _("Write at least one thing you will do when this happens.")
        ),
    }
    if errors:
        raise ValidationError(errors)
    return values


def _own(user: User, item: PlanItem) -> None:
    if item.plan.user_id != user.pk:
        raise ValidationError(_("This is not part of your plan."))


def _touch(plan: RelapsePlan) -> None:
    plan.updated_at = timezone.now()
    plan.save(update_fields=["updated_at"])


@transaction.atomic
def add_item(user: User, *, kind: str, text: str, coping: str) -> PlanItem:
    """Add a trigger or early warning sign with the person's coping response(s), at the end of its kind."""
    values = _clean_item(kind, text, coping)
    plan = _plan_for_update(user)
    if plan.items.count() >= MAX_ITEMS:
        raise ValidationError(_("Your plan has %(count)s items already; remove one first.") % {"count": MAX_ITEMS})
    last = plan.items.filter(kind=values["kind"]).aggregate(last=Max("position"))["last"]
    item = PlanItem.objects.create(plan=plan, position=(last or 0) + 1, **values)
    _touch(plan)
    _audit(user, "companion_plan_item_add", item, reason=values["kind"])
    return item


@transaction.atomic
def change_item(user: User, item: PlanItem, *, kind: str, text: str, coping: str) -> bool:
    """Change an item of the person's own plan. Returns False when nothing had changed (nothing written)."""
    _own(user, item)
    values = _clean_item(kind, text, coping)
    if all(getattr(item, name) == value for name, value in values.items()):
        return False
    if values["kind"] != item.kind:
        last = item.plan.items.filter(kind=values["kind"]).aggregate(last=Max("position"))["last"]
        item.position = (last or 0) + 1
    for name, value in values.items():
        setattr(item, name, value)
    item.save()
    _touch(item.plan)
    _audit(user, "companion_plan_item_change", item, reason=item.kind)
    return True


@transaction.atomic
def remove_item(user: User, item: PlanItem) -> None:
    _own(user, item)
    _audit(user, "companion_plan_item_remove", item, reason=item.kind)
    plan = item.plan
    item.delete()
    _touch(plan)


@transaction.atomic
def set_reasons(user: User, reasons: str) -> RelapsePlan:
    """The person's reasons for recovery, one per line (blank lines dropped; empty is allowed)."""
    lines = [line.strip() for line in (reasons or "").splitlines()]
    text = "\n".join(line for line in lines if line)
    if len(text) > MAX_REASONS:
        raise ValidationError({"reasons": _("Please keep this under %(limit)s characters.") % {"limit": MAX_REASONS}})
    if "\x00" in text:
        raise ValidationError({"reasons": _("This text contains a character that cannot be saved.")})
    plan = _plan_for_update(user)
    if plan.reasons != text:
        plan.reasons = text
        plan.updated_at = timezone.now()
        plan.save(update_fields=["reasons", "updated_at"])
        _audit(user, "companion_plan_reasons", plan)
    return plan


@transaction.atomic
def share_plan(user: User, shared: bool) -> RelapsePlan:
    """Let the person's care team see the plan (or stop). Only program patients have a care team."""
    if shared and patient_of(user) is None:
        raise ValidationError(_("You have no care team to share with: sharing is for people in a treatment program."))
    plan = _plan_for_update(user)
    if plan.shared_with_care_team != shared:
        plan.shared_with_care_team = shared
        plan.save(update_fields=["shared_with_care_team"])
        _audit(user, "companion_plan_share" if shared else "companion_plan_unshare", plan)
    return plan


def reason_lines(plan: RelapsePlan | None) -> list[str]:
    return [line for line in (plan.reasons.splitlines() if plan else []) if line.strip()]


def coping_lines(item: PlanItem) -> list[str]:
    return [line.strip() for line in item.coping.splitlines() if line.strip()]
