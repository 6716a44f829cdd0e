"""The alert when a check's COWS total moves into a higher band than the check
before it (bands from REFERENCE.md §1): 12 → 13 (mild → moderate) and 24 → 25
(moderate → moderately severe) alert; the same band or a fall does not. The
nurse sees it when the check is recorded, in the checks table and on the board."""

import pytest
from django.test import Client

from waymark.assess import detox
from waymark.assess.tests.detox_helpers import ago, board_url, check, check_form, check_url, start, stay_url
from waymark.conftest import World, sign_in
from waymark.core.roles import Role

RISES = [(4, 5), (12, 13), (24, 25), (36, 37), (3, 30)]
NO_RISE = [(12, 12), (5, 12), (13, 24), (13, 12), (25, 24), (40, 2), (0, 4)]


class TestRule:
    @pytest.mark.parametrize(("before", "after"), RISES)
    def test_a_higher_band_alerts(self, before: int, after: int) -> None:
        alert = detox.band_rise_alert(before, after)
        assert alert is not None and alert.rule_id == detox.BAND_RISE

    @pytest.mark.parametrize(("before", "after"), NO_RISE)
    def test_the_same_band_or_a_fall_does_not(self, before: int, after: int) -> None:
        assert detox.band_rise_alert(before, after) is None

    def test_the_first_check_has_nothing_to_rise_from(self) -> None:
        assert detox.band_rise_alert(None, 30) is None

    def test_the_message_names_both_scores_and_bands(self) -> None:
        alert = detox.band_rise_alert(12, 13)
        assert alert is not None
        assert alert.message.startswith("COWS rose from 12 (mild) to 13 (moderate)")

    def test_band_rises_along_a_series(self) -> None:
        assert detox.band_rises([3, 8, 12, 13, 11, 25, 25]) == [False, True, False, True, False, True, False]


@pytest.mark.django_db
class TestRecording:
    @pytest.mark.parametrize(("before", "after"), [(12, 13), (24, 25)])
    def test_the_check_that_rises_returns_the_alert(self, world: World, before: int, after: int) -> None:
        stay = start(world)
        check(world, stay, before, ago(hours=5))
        checked = check(world, stay, after, ago(hours=1))
        assert [a.rule_id for a in checked.alerts] == [detox.BAND_RISE]

    @pytest.mark.parametrize(("before", "after"), [(12, 12), (13, 24), (13, 12), (25, 24)])
    def test_no_alert_on_the_same_band_or_falling(self, world: World, before: int, after: int) -> None:
        stay = start(world)
        check(world, stay, before, ago(hours=5))
        assert check(world, stay, after, ago(hours=1)).alerts == []

    def test_a_check_entered_late_compares_with_the_one_before_it_in_time(self, world: World) -> None:
        stay = start(world)
        check(world, stay, 10, ago(hours=9))
        check(world, stay, 20, ago(hours=1))
        # Recorded last, but done between the two: compared with the 10 before it, not the later 20.
        assert check(world, stay, 14, ago(hours=5)).alerts[0].rule_id == detox.BAND_RISE

    def test_the_page_warns_and_marks_the_row(self, world: World) -> None:
        stay = start(world)
        check(world, stay, 12, ago(hours=5))
        client = sign_in(Client(), world.user(Role.NURSE))
        response = client.post(check_url(stay), check_form(world.patient, 13), follow=True)
        html = response.content.decode()
        assert "COWS rose from 12 (mild) to 13 (moderate)" in html
        assert html.count('<span class="badge alert">band rose</span>') == 1
        board = client.get(board_url()).content.decode()
        assert "COWS band rose" in board

    def test_the_board_shows_no_rise_when_the_score_falls(self, world: World) -> None:
        stay = start(world)
        check(world, stay, 25, ago(hours=5))
        check(world, stay, 24, ago(hours=1))
        client = sign_in(Client(), world.user(Role.NURSE))
        assert "COWS band rose" not in client.get(board_url()).content.decode()
        assert "band rose" not in client.get(stay_url(stay)).content.decode()
