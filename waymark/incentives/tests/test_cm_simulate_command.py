"""`waymark cm simulate`: what a run of results earns under a schedule. No database needed."""

import json
import os
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from waymark.incentives.schedules import DEFAULT_BOWL, draw

WAYMARK = shutil.which("waymark", path=str(Path(sys.executable).parent))


def _simulate(*args: str) -> str:
    out = StringIO()
    call_command("cm", "simulate", *args, stdout=out)
    return out.getvalue()


def _json(*args: str) -> dict:
    return json.loads(_simulate(*args, "--json"))


class TestSimulateEscalating:
    def test_it_prints_one_line_per_specimen_and_the_total(self) -> None:
        out = _simulate(
            "--schedule", "escalating", "--start", "2.50", "--increment", "1.25", "--bonus", "10",
            "--bonus-every", "3", "--reset-recovery", "5", "--results", "NNNNPNNN",
        )  # fmt: skip
        rows = [line.split() for line in out.splitlines()[1:-1]]
        assert rows == [
            ["1", "N", "2.50", "0.00", "2.50", "1"],
            ["2", "N", "3.75", "0.00", "3.75", "2"],
            ["3", "N", "5.00", "10.00", "15.00", "3"],
            ["4", "N", "6.25", "0.00", "6.25", "4"],
            ["5", "P", "0.00", "0.00", "0.00", "0"],
            ["6", "N", "2.50", "0.00", "2.50", "1"],
            ["7", "N", "3.75", "0.00", "3.75", "2"],
            ["8", "N", "5.00", "10.00", "15.00", "3"],
        ]
        assert out.splitlines()[-1] == "Total: 48.75"

    def test_defaults_come_from_reference_7(self) -> None:
        assert _simulate("--schedule", "escalating", "--results", "NNNNPNNN").splitlines()[-1] == "Total: 48.75"

    def test_it_prints_json_with_money_as_strings(self) -> None:
        data = _json("--schedule", "escalating", "--results", "NNNNNNNPNNNNNN")
        assert data["schedule"] == "escalating"
        assert data["events"][0] == {
            "index": 1,
            "result": "N",
            "voucher": "2.50",
            "bonus": "0.00",
            "total": "2.50",
            "streak": 1,
        }
        # the 6th negative after the reset pays the pre-reset value 11.25 (+ the bonus)
        assert data["events"][13] == {
            "index": 14,
            "result": "N",
            "voucher": "11.25",
            "bonus": "10.00",
            "total": "21.25",
            "streak": 6,
        }
        assert data["total"] == "120.00"

    def test_silvermans_increment(self) -> None:
        data = _json("--schedule", "escalating", "--increment", "1.50", "--results", "NNNN")
        assert [e["voucher"] for e in data["events"]] == ["2.50", "4.00", "5.50", "7.00"]
        assert data["total"] == "29.00"


class TestSimulatePrizeBowl:
    ARGS = ("--schedule", "prize-bowl", "--praise", "250", "--small", "209", "--large", "40", "--jumbo", "1")

    def test_it_draws_each_event_with_its_own_seed(self) -> None:
        data = _json(*self.ARGS, "--seed", "S1", "--results", "NNPNNN")
        assert data["schedule"] == "prize-bowl"
        events = data["events"]
        assert [len(e["draws"]) for e in events] == [1, 2, 0, 1, 2, 3]
        for event in events:
            assert event["seed"] == f"S1:{event['index']}"
            expected = draw(DEFAULT_BOWL, len(event["draws"]), f"S1:{event['index']}")
            assert [(d["number"], d["kind"], d["value"]) for d in event["draws"]] == [
                (s.number, s.kind.value, f"{s.value:.2f}") for s in expected
            ]
        total = sum(float(d["value"]) for e in events for d in e["draws"])
        assert float(data["total"]) == pytest.approx(total)

    def test_the_same_seed_gives_the_same_output(self) -> None:
        first = _simulate(*self.ARGS, "--seed", "abc", "--results", "NNNN")
        assert first == _simulate(*self.ARGS, "--seed", "abc", "--results", "NNNN")
        assert first != _simulate(*self.ARGS, "--seed", "abd", "--results", "NNNN")

    def test_the_table_names_each_draw(self) -> None:
        out = _simulate("--schedule", "prize-bowl", "--seed", "abc", "--results", "NNNPNN")
        lines = out.splitlines()
        assert lines[0] == "Seed: abc (specimen i is drawn with the seed abc:i)"
        # specimen 3 (abc:3) drew praise, small, praise; specimen 6 (abc:6) large then praise
        assert lines[4].split() == ["3", "N", "3", "1.00", "praise,", "small", "1.00,", "praise"]
        assert lines[5].split() == ["4", "P", "0", "0.00", "-"]
        assert lines[7].split() == ["6", "N", "2", "20.00", "large", "20.00,", "praise"]
        assert lines[-1] == "Total: 21.00"

    def test_expected_value_over_the_results(self) -> None:
        out = _simulate(*self.ARGS, "--expected", "--results", "NNN", "--success-probability", "0.5")
        assert out.splitlines() == [
            "Expected value per draw: 2.22 (exactly 2.218)",
            "Expected draws over 3 specimens at success probability 0.5: 2.125",
            "Expected total: 4.71 (exactly 4.71325)",
        ]

    def test_expected_value_over_a_number_of_specimens(self) -> None:
        # 12 negatives: 68 draws × 2.218 = 150.824
        data = _json(*self.ARGS, "--expected", "--specimens", "12")
        assert data["total"] == "150.82"
        assert data["total_unrounded"] == "150.824"
        assert data["expected_per_draw"] == "2.22"
        assert data["expected_draws"] == "68"
        assert data["success_probability"] == "1"
        assert data["events"] == []

    def test_draw_parameters_change_the_draws(self) -> None:
        data = _json(
            *self.ARGS, "--first-draws", "2", "--draws-increment", "2", "--max-draws", "5",
            "--seed", "x", "--results", "NNNN",
        )  # fmt: skip
        assert [len(e["draws"]) for e in data["events"]] == [2, 4, 5, 5]


class TestSimulateFixed:
    def test_it_pays_the_amount_per_negative(self) -> None:
        data = _json("--schedule", "fixed", "--amount", "5", "--results", "NPNM")
        assert [e["total"] for e in data["events"]] == ["5.00", "0.00", "5.00", "0.00"]
        assert data["total"] == "10.00"


class TestSimulateRefusesBadInput:
    @pytest.mark.parametrize(
        ("args", "option"),
        [
            ("--schedule escalating --results NNX", "--results"),
            ("--schedule escalating --results NN --start=-1", "--start"),
            ("--schedule escalating --results NN --bonus ten", "--bonus"),
            ("--schedule escalating --results NN --bonus-every 0", "--bonus-every"),
            ("--schedule escalating", "--results"),
            ("--schedule fixed --results N", "--amount"),
            ("--schedule fixed --results N --amount=-5", "--amount"),
            ("--schedule prize-bowl --results N", "--seed"),
            ("--schedule prize-bowl --results N --seed s --small-value=-1", "--small-value"),
            ("--schedule prize-bowl --results N --seed s --max-draws 0", "--max-draws"),
            ("--schedule prize-bowl --results N --seed s --jumbo=-1", "--jumbo"),
            ("--schedule prize-bowl --praise 0 --small 0 --large 0 --jumbo 0 --seed s --results N", "--praise"),
            ("--schedule prize-bowl --expected --specimens 3 --success-probability 1.5", "--success-probability"),
            ("--schedule prize-bowl --expected --specimens 3 --success-probability=-0.1", "--success-probability"),
            ("--schedule prize-bowl --expected --specimens 3 --results NNN", "--specimens"),
            ("--schedule escalating --expected --results NNN", "--expected"),
        ],
    )
    def test_it_names_the_option(self, args: str, option: str) -> None:
        with pytest.raises(CommandError, match=option):
            _simulate(*args.split())

    def test_it_needs_an_action(self) -> None:
        with pytest.raises(CommandError):
            call_command("cm", stdout=StringIO())


@pytest.mark.skipif(WAYMARK is None, reason="the waymark console script is not installed (pip install -e .)")
class TestConsoleScript:
    def test_the_real_command_prints_json(self) -> None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "waymark.settings", "DEBUG": "true"}
        result = subprocess.run(
            [str(WAYMARK), "cm", "simulate", "--schedule", "escalating", "--results", "NNNNP", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert [e["total"] for e in data["events"]] == ["2.50", "3.75", "15.00", "6.25", "0.00"]
        assert data["total"] == "27.50"
