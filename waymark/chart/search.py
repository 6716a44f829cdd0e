"""Patient search for staff: by name, preferred name, MRN or date of birth."""

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Q

from waymark.chart.access import searchable_patients
from waymark.chart.expressions import SearchKey, SortKey
from waymark.chart.models import Patient
from waymark.core import audit
from waymark.core.models import User

PAGE_SIZE = 25


def _as_date(term: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(term, fmt).date()
        except ValueError:
            continue
    return None


# The indexed keys a term is compared with (see Patient.Meta.indexes).
_KEYS = {
    "family_key": SearchKey("family_name"),
    "given_key": SearchKey("given_name"),
    "preferred_key": SearchKey("preferred_name"),
    "mrn_key": SearchKey("mrn"),
}


def _term_filter(term: str, program_id: int | None) -> Q:
    """Patients of the program matching one search word.

    A date matches the date of birth. A word matches the start of the family,
    given or preferred name, or the whole MRN, ignoring case. Each
    alternative names the program, so each is one range scan of its own
    index (program, key) and the database can OR them together.
    """
    day = _as_date(term)
    if day is not None:
        return Q(program_id=program_id, date_of_birth=day)
    if not term.isascii():
        # Databases fold case beyond ASCII differently (SQLite not at all);
        # such words are compared as before, by scanning the program.
        return Q(program_id=program_id) & (
            Q(family_name__istartswith=term)
            | Q(given_name__istartswith=term)
            | Q(preferred_name__istartswith=term)
            | Q(mrn__iexact=term)
        )
    low = term.lower()
    high = low[:-1] + chr(ord(low[-1]) + 1)  # the first key past every key that starts with `low`
    alternatives = [
        Q(program_id=program_id, **{f"{key}__gte": low, f"{key}__lt": high})
        for key in ("family_key", "given_key", "preferred_key")
    ]
    alternatives.append(Q(program_id=program_id, mrn_key=low))
    combined = alternatives[0]
    for alternative in alternatives[1:]:
        combined |= alternative
    return combined


@dataclass(frozen=True)
class SearchResult:
    page: Page[Patient]
    query: str


def search_patients(
    user: User, query: str, page_number: int = 1, page_size: int = PAGE_SIZE, medications: list[str] | None = None
) -> SearchResult:
    """One page of the patients `user` may search, matching every word of `query`.

    Audited as a search (the query text is not stored: it may be a name).
    """
    qs = searchable_patients(user)
    query = " ".join(query.split())[:100]
    # The whole list reads the name index in order; results sort their matches.
    key: type[SearchKey] = SortKey if query else SearchKey
    for term in query.split(" ") if query else []:
        # The matches of each word come from a subquery, which the database
        # answers from the key indexes; the outer queryset still decides who
        # may be seen, so the result never reaches beyond searchable_patients.
        matches = Patient.objects.alias(**_KEYS).filter(_term_filter(term, user.program_id)).values("pk")
        qs = qs.filter(pk__in=matches)
    if medications is not None:
        # Patients with an active order for one of these medications (meds app, by relation name).
        on_order = Patient.objects.filter(
            medication_orders__status="active", medication_orders__medication__in=medications
        ).values("pk")
        qs = qs.filter(pk__in=on_order)
    qs = qs.only("id", "mrn", "given_name", "family_name", "preferred_name", "date_of_birth", "site_id").order_by(
        key("family_name"), key("given_name"), "id"
    )
    paginator = Paginator(qs, page_size)
    page = paginator.get_page(page_number)
    audit.record(
        user,
        "search",
        program_id=user.program_id,
        object_type="patient_list",
        reason=f"{len(page.object_list)} shown, page {page.number}",
    )
    return SearchResult(page=page, query=query)
