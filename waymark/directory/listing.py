"""Setting a listing's codes and position: the one place that keeps service_codes, the code masks and the
position columns consistent. Used by the import, staff edits, the demo and tests."""

from collections.abc import Iterable

from waymark.directory import codes as code_key
from waymark.directory import geo
from waymark.directory.models import MAX_CODES, Facility, ServiceCode
from waymark.directory.search import code_table, forget_code_table, masks_for


def ensure_codes(key: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Store the code key (code, label): new codes get the next free bits, labels are updated.
    Returns code → bit for every code known afterwards."""
    existing = {c.code: c for c in ServiceCode.objects.all()}
    next_bit = max((c.bit for c in existing.values()), default=-1) + 1
    changed = False
    for code, label in key:
        known = existing.get(code)
        category = code_key.category_of(code).slug
        if known is None:
            if next_bit >= MAX_CODES:
                raise ValueError(f"The code key has more than {MAX_CODES} codes; Facility needs more mask words.")
            existing[code] = ServiceCode.objects.create(code=code, label=label, category=category, bit=next_bit)
            next_bit += 1
            changed = True
        elif (known.label, known.category) != (label, category):
            known.label, known.category = label, category
            known.save(update_fields=["label", "category"])
            changed = True
    if changed:
        forget_code_table()
    return {code: c.bit for code, c in existing.items()}


def set_codes(facility: Facility, codes: Iterable[str]) -> None:
    """Give the facility these codes (in this order). Codes must be in the stored key."""
    ordered = list(dict.fromkeys(codes))
    words = masks_for(ordered)  # refreshes the key from the database when a code is not in it yet
    missing = [c for c in ordered if c not in code_table()]
    if missing:
        raise ValueError(f"Not in the code key: {', '.join(missing)}.")
    facility.service_codes = " ".join(ordered)
    facility.code_mask_0, facility.code_mask_1, facility.code_mask_2, facility.code_mask_3 = words


def set_position(facility: Facility, point: geo.Point | None, how: str = "zip") -> None:
    """Place the facility at `point` (or mark it not placed)."""
    if point is None:
        facility.latitude = facility.longitude = facility.unit_x = facility.unit_y = facility.unit_z = None
        facility.cell = None
        facility.geocoded_by = ""
        return
    facility.latitude, facility.longitude = point.lat, point.lon
    facility.unit_x, facility.unit_y, facility.unit_z = geo.unit_vector(point)
    facility.cell = geo.cell_of(point)
    facility.geocoded_by = how
