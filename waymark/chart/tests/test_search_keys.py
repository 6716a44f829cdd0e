"""Patient search through the indexed search keys: what matches, in what order,
and that the database can answer it from the indexes (see docs/performance.md)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from waymark.chart.models import Patient
from waymark.chart.search import search_patients
from waymark.conftest import World, make_patient


def names(world: World, query: str, role: str = "nurse") -> list[str]:
    result = search_patients(world.user(role), query)
    return [f"{p.family_name}, {p.given_name}" for p in result.page.object_list]


@pytest.fixture
def people(world: World) -> World:
    for mrn, given, family, preferred in [
        ("HR-10", "Ana", "Diaz", ""),
        ("HR-11", "Liam", "O'Brien", ""),
        ("HR-12", "Élodie", "Moreau", "Lo"),
        ("HR-13", "Marco", "de Souza", ""),
        ("HR-14", "Zoe", "Davis", ""),
        ("HR-15", "Ruth", "Evans", "Ruthie"),
        ("hr-16", "Sam", "Smithers", ""),
    ]:
        make_patient(world.program, mrn, given, family, preferred_name=preferred)
    return world


class TestWhatMatches:
    @pytest.mark.parametrize("query", ["diaz", "DIAZ", "Dia", "d a", "ana diaz"])
    def test_a_name_matches_from_its_start_in_any_case(self, people: World, query: str) -> None:
        assert "Diaz, Ana" in names(people, query)

    def test_the_middle_of_a_name_does_not_match(self, people: World) -> None:
        assert names(people, "iaz") == []

    def test_a_word_ending_in_z_finds_names_that_continue(self, people: World) -> None:
        assert names(people, "Diaz") == ["Diaz, Ana"]

    def test_punctuation_is_part_of_the_name(self, people: World) -> None:
        assert names(people, "o'b") == ["O'Brien, Liam"]
        assert names(people, "ob") == []

    def test_preferred_name_matches(self, people: World) -> None:
        assert names(people, "ruthie") == ["Evans, Ruth"]

    def test_non_ascii_words_match_as_typed(self, people: World) -> None:
        assert names(people, "Élo") == ["Moreau, Élodie"]

    def test_the_mrn_matches_whole_and_in_any_case(self, people: World) -> None:
        assert names(people, "HR-16") == ["Smithers, Sam"]
        assert names(people, "hr-10") == ["Diaz, Ana"]
        assert names(people, "HR-1") == ["Whitlock, Dana"]  # the world's HR-1, not HR-10 … HR-16

    def test_every_word_must_match(self, people: World) -> None:
        assert names(people, "davis zoe") == ["Davis, Zoe"]
        assert names(people, "davis ana") == []

    def test_a_date_matches_the_date_of_birth(self, people: World) -> None:
        Patient.objects.filter(mrn="HR-14").update(date_of_birth=dt.date(1990, 2, 3))
        assert names(people, "1990-02-03") == ["Davis, Zoe"]

    def test_another_programs_patients_never_match(self, people: World) -> None:
        assert names(people, "Stone") == []
        assert names(people, "EL-1") == []


class TestOrder:
    def test_the_list_and_the_results_sort_by_family_then_given_name_ignoring_case(self, people: World) -> None:
        everyone = names(people, "")
        assert everyone.index("Davis, Zoe") < everyone.index("de Souza, Marco") < everyone.index("Diaz, Ana")
        assert names(people, "d") == ["Davis, Zoe", "de Souza, Marco", "Diaz, Ana", "Whitlock, Dana"]


class TestQueries:
    @pytest.mark.parametrize("query", ["", "smi", "sa smi", "hr-16", "Élo", "1988-05-17"])
    def test_a_search_reads_patients_in_two_queries(self, people: World, query: str) -> None:
        nurse = people.user("nurse")
        with CaptureQueriesContext(connection) as queries:
            result = search_patients(nurse, query)
            list(result.page.object_list)
        assert result.page.paginator.count > 0
        selects = [q["sql"] for q in queries.captured_queries if "chart_patient" in q["sql"]]
        assert len(selects) == 2  # the count and the page, however many words

    def test_the_database_answers_a_name_search_from_the_key_indexes(self, people: World) -> None:
        if connection.vendor == "postgresql":
            # PostgreSQL plans by statistics: give it a realistic table.
            Patient.objects.bulk_create(
                Patient(
                    program=people.program,
                    mrn=f"BULK-{n}",
                    given_name=f"Given{n % 97}",
                    family_name=f"Family{n % 89}",
                    date_of_birth=dt.date(1980, 1, 1),
                )
                for n in range(3000)
            )
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE chart_patient")
        qs = search_patients(people.user("nurse"), "smi").page.paginator.object_list
        assert isinstance(qs, QuerySet)
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(("EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN ") + sql, params)
            plan = " ".join(str(row) for row in cursor.fetchall())
        for index in ("patient_by_name", "patient_by_given_name", "patient_by_preferred_name", "patient_by_mrn_key"):
            assert index in plan, plan
