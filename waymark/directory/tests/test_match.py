"""Match me: the finder's filters for every level of care of both ASAM editions (matching.py), from the
self-check's result ("Find treatment that fits": only what the person picks goes in the link) and from a
clinician's placement (directory:match_placement: staff who place, the patient in scope, an audited read, a
link carrying filters only)."""

import itertools
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import NoReverseMatch, include, path, reverse

from waymark import urls as root_urls
from waymark.assess import placement
from waymark.assess.models import PlacementAssessment
from waymark.assess.tests.placement_helpers import record, result_url
from waymark.chart.models import Episode
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.directory import codes, matching, views_match
from waymark.public.tests.helpers import ITEM_IDS, answers, section, text

# --- The mapping -----------------------------------------------------------------------------------------------

H = matching.HOSPITAL  # level 4: hospital inpatient (the detox filter until codes.FILTERS has a hospital one)

# Every level of both editions (placement.LEVELS_3, LEVELS_4) and its setting in the SAMHSA code key's terms.
EXPECTED: dict[tuple[str, str], list[str]] = {
    ("3", "0.5"): ["outpatient"],
    ("3", "1"): ["outpatient"],
    ("3", "2.1"): ["intensive_outpatient"],
    ("3", "2.5"): ["partial_hospitalisation"],
    ("3", "3.1"): ["residential_long"],
    ("3", "3.3"): ["residential_short"],
    ("3", "3.5"): ["residential_short"],
    ("3", "3.7"): ["residential"],
    ("3", "4"): [H],
    ("3", "OTP"): ["methadone"],
    ("3", "1-WM"): ["detox"],
    ("3", "2-WM"): ["detox"],
    ("3", "3.2-WM"): ["detox"],
    ("3", "3.7-WM"): ["detox"],
    ("3", "4-WM"): ["detox"],
    ("4", "1.0"): ["outpatient"],
    ("4", "1.5"): ["outpatient"],
    ("4", "1.7"): ["outpatient"],
    ("4", "2.1"): ["intensive_outpatient"],
    ("4", "2.5"): ["partial_hospitalisation"],
    ("4", "2.7"): ["intensive_outpatient"],
    ("4", "3.1"): ["residential_long"],
    ("4", "3.5"): ["residential_short"],
    ("4", "3.7"): ["residential"],
    ("4", "4"): [H],
}
ALL_LEVELS = [(edition.value, code) for edition, levels in placement.LEVELS.items() for code in levels]
OUTPATIENT_INTENSITY = {
    (e, c) for e, c in ALL_LEVELS if placement.level(e, c).setting in (placement.OUT, placement.Setting.OTP)
}


class TestFiltersForLevel:
    def test_the_table_covers_every_level_of_both_editions(self) -> None:
        assert sorted(EXPECTED) == sorted(ALL_LEVELS)

    @pytest.mark.parametrize("edition, code", ALL_LEVELS)
    def test_each_level_maps_to_its_setting(self, edition: str, code: str) -> None:
        assert matching.filters_for_level(edition, code) == EXPECTED[(edition, code)]

    @pytest.mark.parametrize("edition, code", ALL_LEVELS)
    def test_the_setting_agrees_with_the_level_of_care_the_chart_records(self, edition: str, code: str) -> None:
        chart = placement.level(edition, code).chart
        setting = matching.setting_for_level(edition, code)
        if chart == "inpatient":
            assert setting in ("residential", H)
        else:
            assert setting == matching.SETTING_OF_CHART[chart]

    @pytest.mark.parametrize("edition, code", sorted(OUTPATIENT_INTENSITY))
    def test_methadone_at_an_outpatient_intensity_is_an_opioid_treatment_program(self, edition: str, code: str) -> None:
        assert matching.filters_for_level(edition, code, wants_methadone=True) == ["methadone"]

    @pytest.mark.parametrize("edition, code", [("3", "3.5"), ("3", "4"), ("4", "3.1"), ("4", "4"), ("3", "3.2-WM")])
    def test_methadone_at_a_24_hour_level_adds_an_otp_to_arrange_it_with(self, edition: str, code: str) -> None:
        assert matching.filters_for_level(edition, code, wants_methadone=True) == [
            *EXPECTED[(edition, code)],
            "methadone",
        ]

    def test_a_withdrawal_management_level_first_adds_detox(self) -> None:
        assert matching.filters_for_level("3", "2.1", withdrawal_level="2-WM") == ["intensive_outpatient", "detox"]
        assert matching.filters_for_level("3", "3.5", withdrawal_level="3.2-WM", wants_methadone=True) == [
            "residential_short",
            "methadone",
            "detox",
        ]
        assert matching.filters_for_level("3", "3.2-WM", withdrawal_level="3.2-WM") == ["detox"]

    def test_the_4th_editions_medically_managed_levels_add_detox_when_withdrawal_needs_supervision(self) -> None:
        for code in ("1.7", "2.7", "3.7", "4"):
            found = matching.filters_for_level("4", code, supervised_withdrawal=True)
            assert found == list(dict.fromkeys([*EXPECTED[("4", code)], "detox"]))
        # Not at the other levels, and not in the 3rd edition, where a withdrawal level says so.
        assert matching.filters_for_level("4", "2.1", supervised_withdrawal=True) == ["intensive_outpatient"]
        assert matching.filters_for_level("3", "3.7", supervised_withdrawal=True) == ["residential"]

    def test_pregnancy_and_co_occurring_conditions_narrow_who_it_serves(self) -> None:
        found = matching.filters_for_level("3", "OTP", pregnant=True, co_occurring=True)
        assert found == ["methadone", "pregnant", "co_occurring"]
        assert matching.by_parameter(found) == {"services": ["methadone"], "population": ["pregnant", "co_occurring"]}

    @pytest.mark.parametrize("edition, code", ALL_LEVELS)
    def test_every_answer_is_a_known_filter_once_and_the_setting_comes_first(self, edition: str, code: str) -> None:
        for pregnant, co_occurring, methadone, supervised in itertools.product((False, True), repeat=4):
            found = matching.filters_for_level(
                edition,
                code,
                pregnant=pregnant,
                co_occurring=co_occurring,
                wants_methadone=methadone,
                supervised_withdrawal=supervised,
            )
            assert len(found) == len(set(found)) and all(slug in codes.FILTER_BY_SLUG for slug in found)
            grouped = matching.by_parameter(found)
            assert set(grouped) <= {"services", "population"} and grouped["services"]
            assert ("pregnant" in found) == pregnant and ("co_occurring" in found) == co_occurring
            assert ("methadone" in found) == (methadone or code == "OTP")

    @pytest.mark.parametrize(
        "edition, code, withdrawal, error",
        [
            ("3", "1.5", "", KeyError),
            ("4", "0.5", "", KeyError),
            ("4", "OTP", "", KeyError),
            ("5", "1", "", ValueError),
        ],
    )
    def test_an_unknown_level_is_refused(self, edition: str, code: str, withdrawal: str, error: type) -> None:
        with pytest.raises(error):
            matching.filters_for_level(edition, code, withdrawal_level=withdrawal)

    def test_a_withdrawal_level_of_another_edition_is_refused(self) -> None:
        with pytest.raises(KeyError):
            matching.filters_for_level("4", "2.1", withdrawal_level="2-WM")


# --- From the self-check ---------------------------------------------------------------------------------------

SELF_CHECK = {"en": "/help/self-check/", "es": "/es/help/self-check/"}
FINDER = {"en": "/help/find-treatment/", "es": "/es/help/find-treatment/"}


def match_me(page: str) -> str:
    return section(page, "match-me").split("</form>")[0]


class TestFromTheSelfCheck:
    @pytest.mark.parametrize("lang", ["en", "es"])
    @pytest.mark.parametrize("yes", [0, 3, 6])
    def test_the_result_offers_a_get_form_to_the_finder_without_the_answers(
        self, client: Client, lang: str, yes: int
    ) -> None:
        page = client.post(SELF_CHECK[lang], answers(yes)).content.decode()
        form = match_me(page)
        assert re.search(rf'<form method="get" action="{FINDER[lang]}" class="match-me-form"', form)
        names = set(re.findall(r'name="([^"]+)"', form))
        assert names == {"near", "payment", "population", "language", "services"}
        assert not any(item_id in form for item_id in ITEM_IDS)
        assert 'type="hidden"' not in form and "band" not in form and "csrf" not in form
        assert 'id="match-me"' in section(page, "result")

    def test_its_choices_are_the_finders_filters(self, client: Client) -> None:
        form = match_me(client.post(SELF_CHECK["en"], answers(4)).content.decode())
        values = re.findall(r'name="(\w+)" value="([^"]*)"', form)
        assert values == [
            ("payment", "medicaid"),
            ("payment", "medicare"),
            ("payment", "private_insurance"),
            ("payment", "sliding_fee,free"),
            ("population", "pregnant"),
            ("population", "adolescents"),
            ("population", "veterans"),
            ("language", "spanish"),
            ("language", "sign_language"),
            ("services", "methadone"),
            ("services", "buprenorphine"),
            ("services", "naltrexone"),
            ("services", ""),
        ]
        for name, value in values:
            for slug in filter(None, value.split(",")):
                assert codes.FILTER_BY_SLUG[slug].parameter == name
        assert 'value="" id="f-m-services-none" checked>' in form  # "not sure yet" unless chosen
        labels = text(form)
        for words in (
            "No insurance: a sliding fee scale, or free",
            "I am pregnant or have just had a baby",
            "Not sure yet",
        ):
            assert words in labels

    def test_the_questions_page_has_no_match_form(self, client: Client) -> None:
        assert 'id="match-me"' not in client.get(SELF_CHECK["en"]).content.decode()
        assert 'id="match-me"' not in client.post(SELF_CHECK["en"], answers(4, craving="")).content.decode()

    @pytest.mark.django_db
    def test_what_it_sends_ticks_the_finders_filters(self, client: Client) -> None:
        query = "near=10001&payment=sliding_fee%2Cfree&population=pregnant&language=spanish&services=methadone"
        page = client.get(f"{FINDER['en']}?{query}").content.decode()
        for box in (
            "payment-sliding_fee",
            "payment-free",
            "population-pregnant",
            "language-spanish",
            "services-methadone",
        ):
            assert f'id="f-{box}" checked>' in page
        assert 'id="results"' in page

    @pytest.mark.django_db
    def test_sent_without_a_zip_it_asks_for_one(self, client: Client) -> None:
        response = client.get(FINDER["en"], {"near": "", "services": "", "payment": "medicaid"})
        assert response.status_code == 422
        assert "Enter a 5-digit ZIP code." in text(response.content.decode())
        assert 'id="f-payment-medicaid" checked>' in response.content.decode()


# --- From a clinician's placement -----------------------------------------------------------------------------


def _routed() -> bool:
    try:
        reverse("directory:match_placement", args=[1])
    except NoReverseMatch:
        return False
    return True


# The staff URLs are mounted by waymark/urls.py (directory/urls.py includes views_match.urlpatterns); until they
# are, these tests mount them the same way.
urlpatterns: list[Any] = [*root_urls.urlpatterns]
if not _routed():
    urlpatterns.append(path("directory/", include((views_match.urlpatterns, "directory"))))


def match_url(placement_id: int) -> str:
    return f"/directory/match/placement/{placement_id}/"


def as_user(world: World, role: Role) -> Client:
    return sign_in(Client(), world.user(role))


def query_of(url: str) -> dict[str, list[str]]:
    parts = urlsplit(url)
    assert parts.path == "/help/find-treatment/"
    return parse_qs(parts.query, keep_blank_values=True)


@pytest.mark.urls(__name__)
@pytest.mark.django_db
class TestFromAPlacement:
    @pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.PRESCRIBER])
    def test_it_sends_the_care_team_to_the_finder_with_the_levels_filters(self, world: World, role: Role) -> None:
        placed = record(world.user(Role.COUNSELLOR), world.patient, (0, 0, 0, 0, 0, 3), pregnant=True)
        assert placed.recommended_level == "3.1"
        response = as_user(world, role).get(match_url(placed.pk))
        assert response.status_code == 302
        assert query_of(response["Location"]) == {"services": ["residential_long"], "population": ["pregnant"]}

    def test_the_link_carries_nothing_about_the_patient(self, world: World) -> None:
        placed = record(world.user(Role.COUNSELLOR), world.patient, (2, 0, 0, 0, 0, 0), wants_methadone=True)
        location = as_user(world, Role.COUNSELLOR).get(match_url(placed.pk))["Location"]
        assert query_of(location) == {"services": ["methadone"]}
        patient = world.patient
        for secret in (str(patient.pk), patient.mrn, patient.family_name, str(placed.pk), placed.recommended_level):
            assert secret not in location

    def test_the_read_is_audited(self, world: World) -> None:
        placed = record(world.user(Role.COUNSELLOR), world.patient)
        client = as_user(world, Role.PRESCRIBER)
        before = AuditEvent.objects.count()
        client.get(match_url(placed.pk))
        event = AuditEvent.objects.order_by("-seq").first()
        assert AuditEvent.objects.count() == before + 1 and event is not None
        assert (event.actor_username, event.action, event.object_type, event.object_id, event.patient_id) == (
            world.user(Role.PRESCRIBER).username,
            "read",
            "placement",
            str(placed.pk),
            world.patient.pk,
        )

    def test_the_decided_level_counts_and_a_withdrawal_level_only_until_then(self, world: World) -> None:
        counsellor = world.user(Role.COUNSELLOR)
        placed = record(counsellor, world.patient, (2, 0, 0, 0, 0, 0), needs_supervised_withdrawal=True)
        assert (placed.recommended_level, placed.recommended_withdrawal_level) == ("2.1", "2-WM")
        client = as_user(world, Role.COUNSELLOR)
        assert query_of(client.get(match_url(placed.pk))["Location"]) == {"services": ["intensive_outpatient", "detox"]}
        PlacementAssessment.objects.filter(pk=placed.pk).update(decided_level="2.5", decided_by=counsellor)
        assert query_of(client.get(match_url(placed.pk))["Location"]) == {"services": ["partial_hospitalisation"]}
        PlacementAssessment.objects.filter(pk=placed.pk).update(decided_level="2-WM")
        assert query_of(client.get(match_url(placed.pk))["Location"]) == {"services": ["detox"]}

    @pytest.mark.parametrize("role", [Role.NURSE, Role.PROGRAM_ADMIN, Role.PRIVACY_OFFICER, Role.PEER_MODERATOR])
    def test_staff_who_do_not_place_are_refused(self, world: World, role: Role) -> None:
        placed = record(world.user(Role.COUNSELLOR), world.patient)
        assert as_user(world, role).get(match_url(placed.pk)).status_code == 403

    def test_the_patient_is_refused(self, world: World) -> None:
        placed = record(world.user(Role.COUNSELLOR), world.patient)
        assert as_user(world, Role.PATIENT).get(match_url(placed.pk)).status_code == 403

    def test_anonymous_visitors_are_sent_to_sign_in(self, world: World, client: Client) -> None:
        placed = record(world.user(Role.COUNSELLOR), world.patient)
        response = client.get(match_url(placed.pk))
        assert response.status_code == 302 and response["Location"].startswith("/login/")

    def test_another_programs_placement_and_an_unknown_one_are_not_found(self, world: World) -> None:
        outsider = world.outsider_staff[Role.COUNSELLOR]
        Episode.objects.create(patient=world.outsider_patient, admitted_on="2026-01-10", level_of_care="outpatient")
        theirs = record(outsider, world.outsider_patient)
        client = as_user(world, Role.COUNSELLOR)
        before = AuditEvent.objects.count()
        assert client.get(match_url(theirs.pk)).status_code == 404
        assert client.get(match_url(999999)).status_code == 404
        assert AuditEvent.objects.count() == before

    def test_off_the_care_team_it_asks_to_break_the_glass(self, world: World) -> None:
        Episode.objects.create(patient=world.other_patient, admitted_on="2026-01-10", level_of_care="outpatient")
        placed = record(world.user(Role.PRESCRIBER), world.other_patient)
        response = as_user(world, Role.COUNSELLOR).get(match_url(placed.pk))
        assert response.status_code == 302
        assert response["Location"] == f"/patients/{world.other_patient.pk}/break-glass/"

    def test_it_takes_no_posts(self, world: World) -> None:
        placed = record(world.user(Role.COUNSELLOR), world.patient)
        assert as_user(world, Role.COUNSELLOR).post(match_url(placed.pk)).status_code == 405

    def test_the_placement_page_links_to_it_for_those_who_place(self, world: World) -> None:
        placed = record(world.user(Role.COUNSELLOR), world.patient)
        link = f'<a href="{match_url(placed.pk)}">Find a program for this level</a>'
        assert link in as_user(world, Role.COUNSELLOR).get(result_url(world.patient, placed)).content.decode()
        assert link not in as_user(world, Role.NURSE).get(result_url(world.patient, placed)).content.decode()

    def test_the_views_own_mapping_is_the_pure_one(self, world: World) -> None:
        placed = record(world.user(Role.COUNSELLOR), world.patient, (0, 0, 3, 0, 0, 0), co_occurring=True)
        assert views_match.placement_filters(placed) == matching.filters_for_level(
            placed.edition, placed.recommended_level, co_occurring=True
        )
