"""/labs/patients/<id>/specimens/<sid>/results/: the laboratory's report added to
a specimen. A lab result supersedes the point-of-care one for the same analyte
(both are kept); the same result again is accepted once; a different result is
refused (results are never changed); numbers and times are checked."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.labs import rules, services
from waymark.labs.analytes import Analyte
from waymark.labs.models import AnalyteResult, Specimen
from waymark.labs.tests.helpers import (
    ago,
    assert_references_resolve,
    collect,
    field_errors,
    local,
    minute,
    page_url,
    results_form,
    results_url,
    shown,
)

pytestmark = pytest.mark.django_db

FENTANYL_ALERT = "Fentanyl positive: high overdose risk."


@pytest.fixture
def cup(world: World) -> Specimen:
    """A urine cup two hours ago: fentanyl positive and opiates negative on the point-of-care strip."""
    return collect(world, world.patient, {"fentanyl": "positive", "opiates": "negative"}, at=ago(hours=2))


def trend_cells(html: str, label: str) -> list[str]:
    start = html.index('<table class="trend">')
    trend = html[start : html.index("</table>", start)]
    row = re.search(rf'<th scope="row">{re.escape(label)}</th>(.*?)</tr>', trend)
    assert row is not None, label
    return re.findall(r'<span class="badge (\w+)">', row.group(1))


def stored(specimen: Specimen) -> set[tuple[str, str, str, Decimal | None, Decimal | None]]:
    return {(r.analyte, r.method, r.result, r.value_ng_ml, r.cutoff_ng_ml) for r in specimen.results.all()}


class TestSupersedes:
    def test_the_labs_negative_supersedes_a_point_of_care_positive(self, world: World, as_role, cup: Specimen) -> None:
        client = as_role(Role.NURSE)
        before = client.get(page_url(world.patient)).content.decode()
        assert FENTANYL_ALERT in before and trend_cells(before, "Fentanyl") == ["positive"]

        resulted_at = local(world.patient, ago(minutes=10))
        data = results_form(
            world.patient,
            {"fentanyl": "negative"},
            resulted_at=resulted_at,
            value_fentanyl="0.40",
            cutoff_fentanyl="1",
        )
        response = client.post(results_url(world.patient, cup), data, follow=True)
        assert response.redirect_chain == [(page_url(world.patient), 302)]
        html = response.content.decode()
        assert "1 result(s) recorded." in html

        # Both results are kept; the lab's is the one that counts.
        assert stored(cup) == {
            ("fentanyl", "point_of_care", "positive", None, None),
            ("fentanyl", "lab", "negative", Decimal("0.40"), Decimal("1.00")),
            ("opiates", "point_of_care", "negative", None, None),
        }
        lab = cup.results.get(method="lab")
        assert lab.resulted_at == minute(world.patient, resulted_at) and lab.recorded_by == world.user(Role.NURSE)
        assert services.latest_readings(cup.results.all()) == (
            rules.Reading(Analyte.OPIATES, rules.Result.NEGATIVE),
            rules.Reading(Analyte.FENTANYL, rules.Result.NEGATIVE),
        )
        assert FENTANYL_ALERT not in html and "Record a naloxone kit" not in html
        assert trend_cells(html, "Fentanyl") == ["negative"]
        assert (
            '<td>Laboratory</td><td>0.40 / 1.00</td><td class="nowrap">' + shown(world.patient, lab.resulted_at) in html
        )
        assert AuditEvent.objects.filter(action="specimen_results", object_id=str(cup.pk)).count() == 2

    def test_a_point_of_care_result_entered_later_does_not_replace_the_labs(self, world: World) -> None:
        specimen = collect(world, world.patient, {"buprenorphine": "positive"}, method="lab")
        services.record_results(
            world.user(Role.NURSE),
            world.patient,
            specimen,
            [services.ResultInput("buprenorphine", "negative", "point_of_care")],
        )
        assert services.latest_readings(specimen.results.all()) == (
            rules.Reading(Analyte.BUPRENORPHINE, rules.Result.POSITIVE),
        )

    def test_the_trend_reads_each_day_by_its_best_result(self, world: World, as_role) -> None:
        older = collect(world, world.patient, {"fentanyl": "positive"}, at=ago(days=9))
        collect(world, world.patient, {"fentanyl": "positive"}, at=ago(days=2))
        services.record_results(
            world.user(Role.NURSE), world.patient, older, [services.ResultInput("fentanyl", "negative", "lab")]
        )
        html = as_role(Role.NURSE).get(page_url(world.patient)).content.decode()
        assert trend_cells(html, "Fentanyl") == ["negative", "positive"]


class TestNeverChanged:
    def test_the_same_result_again_is_accepted_and_not_stored_twice(self, world: World, as_role, cup: Specimen) -> None:
        client = as_role(Role.NURSE)
        data = results_form(world.patient, {"fentanyl": "negative"}, value_fentanyl="0.4", cutoff_fentanyl="1")
        client.post(results_url(world.patient, cup), data)
        again = client.post(results_url(world.patient, cup), data)
        assert again.status_code == 302
        assert cup.results.filter(analyte="fentanyl", method="lab").count() == 1
        assert AuditEvent.objects.filter(action="specimen_results", object_id=str(cup.pk)).count() == 2

    def test_a_different_result_for_the_same_analyte_and_method_is_refused(
        self, world: World, as_role, cup: Specimen
    ) -> None:
        client = as_role(Role.NURSE)
        client.post(results_url(world.patient, cup), results_form(world.patient, {"fentanyl": "negative"}))
        response = client.post(
            results_url(world.patient, cup),
            results_form(world.patient, {"fentanyl": "positive", "cocaine": "positive"}),
        )
        assert response.status_code == 422
        errors = response.context["form"].errors
        assert errors["result_fentanyl"] == [
            "Fentanyl (laboratory) is already recorded as negative. Results are not changed; a laboratory result "
            "supersedes a point-of-care one."
        ]
        assert "Fentanyl (laboratory) is already recorded as negative." in response.content.decode()
        # Nothing of that report was saved, not even the cocaine result.
        assert not cup.results.filter(analyte="cocaine").exists()
        assert cup.results.get(analyte="fentanyl", method="lab").result == "negative"

    def test_a_different_value_for_the_same_result_is_refused_not_dropped(self, world: World, cup: Specimen) -> None:
        nurse = world.user(Role.NURSE)
        first = services.ResultInput(
            "fentanyl", "positive", "lab", value_ng_ml=Decimal("12.5"), cutoff_ng_ml=Decimal(1)
        )
        services.record_results(nurse, world.patient, cup, [first])
        services.record_results(nurse, world.patient, cup, [first])  # identical: fine
        changed = services.ResultInput(
            "fentanyl", "positive", "lab", value_ng_ml=Decimal("40"), cutoff_ng_ml=Decimal(1)
        )
        with pytest.raises(services.ResultConflict) as refused:
            services.record_results(nurse, world.patient, cup, [changed])
        assert "already recorded as positive (12.50 ng/mL, cut-off 1.00 ng/mL)" in refused.value.messages[0]
        assert cup.results.get(method="lab").value_ng_ml == Decimal("12.50")

    def test_a_report_entered_meanwhile_by_someone_else_is_seen(self, world: World, cup: Specimen) -> None:
        # The results page read the specimen (with its results); before it is sent, another nurse enters
        # the laboratory's report. The second entry is then checked against it, not against the old read.
        page_read = services.patient_specimens(world.patient).get(pk=cup.pk)
        nurse = world.user(Role.NURSE)
        services.record_results(nurse, world.patient, cup, [services.ResultInput("fentanyl", "negative", "lab")])
        services.record_results(nurse, world.patient, page_read, [services.ResultInput("fentanyl", "negative", "lab")])
        with pytest.raises(services.ResultConflict):
            services.record_results(
                nurse, world.patient, page_read, [services.ResultInput("fentanyl", "positive", "lab")]
            )
        assert cup.results.filter(method="lab").count() == 1


class TestRefused:
    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"value_fentanyl": "-1"}, "value_fentanyl", "Ensure this value is greater than or equal to 0."),
            (
                {"cutoff_fentanyl": "0"},
                "cutoff_fentanyl",
                "0 ng/mL is out of range: give more than 0 and at most 1,000,000.",
            ),
            (
                {"value_fentanyl": "1000000.01"},
                "value_fentanyl",
                "1000000.01 ng/mL is out of range: give 0 or more and at most 1,000,000.",
            ),
            (
                {"cutoff_fentanyl": "2000000"},
                "cutoff_fentanyl",
                "2000000 ng/mL is out of range: give more than 0 and at most 1,000,000.",
            ),
            ({"value_fentanyl": "lots"}, "value_fentanyl", "Enter a number."),
            (
                {"result_fentanyl": "", "value_cocaine": "3"},
                "result_cocaine",
                "Give the result for a value you entered.",
            ),
            ({"resulted_at": "BEFORE"}, "resulted_at", "A result cannot come before the specimen was collected."),
            ({"resulted_at": "FUTURE"}, "resulted_at", "That time is in the future."),
        ],
    )
    def test_bad_input_gives_a_clear_error_and_saves_nothing(
        self, world: World, as_role, cup: Specimen, changes: dict[str, str], field: str, message: str
    ) -> None:
        client = as_role(Role.NURSE)
        zone_time = {
            "BEFORE": local(world.patient, cup.collected_at - dt.timedelta(hours=1)),
            "FUTURE": local(world.patient, timezone.now() + dt.timedelta(hours=1)),
        }
        changes = {k: zone_time.get(v, v) for k, v in changes.items()}
        data = results_form(world.patient, {"fentanyl": "negative"}, **changes)
        response = client.post(results_url(world.patient, cup), data)
        assert response.status_code == 422
        assert response.context["form"].errors[field] == [message]
        html = response.content.decode()
        assert message in field_errors(html, field)
        assert_references_resolve(html)
        assert stored(cup) == {
            ("fentanyl", "point_of_care", "positive", None, None),
            ("opiates", "point_of_care", "negative", None, None),
        }

    def test_a_report_with_no_result_is_refused(self, world: World, as_role, cup: Specimen) -> None:
        response = as_role(Role.NURSE).post(results_url(world.patient, cup), results_form(world.patient, {}))
        assert response.status_code == 422
        assert "Choose a result for at least one analyte." in response.content.decode()

    def test_a_missed_test_has_nothing_to_result(self, world: World, as_role) -> None:
        missed = collect(world, world.patient, status="missed")
        client = as_role(Role.NURSE)
        assert client.get(results_url(world.patient, missed)).status_code == 404
        posted = client.post(results_url(world.patient, missed), results_form(world.patient, {"fentanyl": "negative"}))
        assert posted.status_code == 404
        assert not AnalyteResult.objects.exists()
        with pytest.raises(services.ValidationError):
            services.record_results(
                world.user(Role.NURSE), world.patient, missed, [services.ResultInput("fentanyl", "negative")]
            )

    def test_a_specimen_of_another_patient_is_not_found(self, world: World, as_role) -> None:
        theirs = collect(world, world.other_patient, {"fentanyl": "positive"})
        client = as_role(Role.NURSE)
        response = client.post(
            results_url(world.patient, theirs), results_form(world.patient, {"fentanyl": "negative"})
        )
        assert response.status_code == 404
        assert theirs.results.count() == 1


def test_the_results_page_lists_every_analyte_with_its_loinc_code(world: World, as_role, cup: Specimen) -> None:
    response = as_role(Role.NURSE).get(results_url(world.patient, cup))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Specimen: Urine collected {shown(world.patient, cup.collected_at)}." in html
    assert '<label for="id_result_fentanyl">Fentanyl</label> <span class="muted">59673-4</span>' in html
    assert '<label for="id_result_cocaine">Cocaine</label></th>' in html
    assert response.context["form"]["method"].value() == "lab"
