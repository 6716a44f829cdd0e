"""Who may read a counselling note (DAP). Pure module.

Counselling notes have their own consent (REFERENCE.md §10, 42 CFR Part 2:
"Counselling notes need their own separate consent"). The note's author and
the counsellors on the person's care team read it as part of counselling; any
other member of the care team (a nurse, a prescriber) reads it only while the
person has an active counselling-notes consent. Nobody else reads it: not a
program admin, not the privacy officer (who sees that a read was attempted,
not what the note says), and not through break-glass, which exists for
emergencies and an emergency never needs a counselling note. The person
themselves reads their own notes (right of access) unless a clinician has
withheld a note; that is not modelled yet, so patients read them.

Rule id `care.note.confidential` (docs/clinical-rules.md).
"""

from dataclasses import dataclass

from waymark.core.rule_info import RuleInfo

NOTE_CONFIDENTIAL = "care.note.confidential"


@dataclass(frozen=True)
class Reader:
    role: str  # core.roles.Role value
    is_author: bool
    on_care_team: bool  # a current care-team member, or the facilitator of a group the person is in
    is_the_patient: bool = False
    break_glass: bool = False


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def may_read_note(reader: Reader, counselling_consent_active: bool) -> Decision:
    if reader.is_the_patient:
        return Decision(True, "The person's own record.")
    if reader.is_author:
        return Decision(True, "You wrote this note.")
    if not reader.on_care_team:
        if reader.break_glass:
            return Decision(False, "Emergency access does not open counselling notes.")
        return Decision(False, "Counselling notes are read only by the care team.")
    if reader.role == "counsellor":
        return Decision(True, "Counsellor on the care team.")
    if reader.role in ("nurse", "prescriber") and counselling_consent_active:
        return Decision(True, "Care team, with the person's counselling-notes consent.")
    if reader.role in ("nurse", "prescriber"):
        return Decision(
            False,
            "Counselling notes need the person's separate counselling-notes consent before other members "
            "of the care team read them.",
        )
    return Decision(False, "Your role does not read counselling notes.")


RULE_INFO: tuple[RuleInfo, ...] = (
    RuleInfo(
        NOTE_CONFIDENTIAL,
        "A counselling note (DAP) is encrypted at rest and read by its author and the counsellors on the "
        "person's care team; a nurse or prescriber on the care team reads it only under an active "
        "counselling-notes consent; break-glass does not open it; every read and refused read is audited.",
        "author and care-team counsellors only",
        "REFERENCE.md §10 (counselling notes need their own separate consent)",
        "no",
    ),
)
