"""Patient search for staff: by name, preferred name, MRN or date of birth."""

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Q

from waymark.chart.access import searchable_patients
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


def _term_filter(term: str) -> Q:
    day = _as_date(term)
    if day is not None:
        return Q(date_of_birth=day)
    return (
        Q(family_name__istartswith=term)
        | Q(given_name__istartswith=term)
        | Q(preferred_name__istartswith=term)
        | Q(mrn__iexact=term)
    )


@dataclass(frozen=True)
class SearchResult:
    page: Page[Patient]
    query: str


def search_patients(user: User, query: str, page_number: int = 1, page_size: int = PAGE_SIZE) -> SearchResult:
    """One page of the patients `user` may search, matching every word of `query`.

    Audited as a search (the query text is not stored: it may be a name).
    """
    qs = searchable_patients(user)
    query = " ".join(query.split())[:100]
    for term in query.split(" ") if query else []:
        qs = qs.filter(_term_filter(term))
    qs = qs.only("id", "mrn", "given_name", "family_name", "preferred_name", "date_of_birth", "site_id").order_by(
        "family_name", "given_name", "id"
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
