"""The dashboard's charts as pure shapes: known Kaplan–Meier curves give known polylines."""

import datetime as dt

from waymark.outcomes import charts


class TestKaplanMeierSteps:
    def test_it_draws_flat_then_down_at_each_event(self) -> None:
        curve = [(0, 1.0), (10, 0.75), (30, 0.5)]
        assert charts.km_steps(curve) == [(0, 1.0), (10, 1.0), (10, 0.75), (30, 0.75), (30, 0.5)]

    def test_it_starts_at_day_0_at_100_percent_when_the_curve_does_not(self) -> None:
        assert charts.km_steps([(5, 0.5)]) == [(0, 1.0), (5, 1.0), (5, 0.5)]

    def test_a_drop_on_day_0_starts_from_100_percent(self) -> None:
        # Episodes that never received a dose leave on day 0.
        assert charts.km_steps([(0, 0.5), (20, 0.0)]) == [(0, 1.0), (0, 0.5), (20, 0.5), (20, 0.0)]
        assert charts.km_steps([(0, 0.0)]) == [(0, 1.0), (0, 0.0)]

    def test_it_extends_the_last_level_to_the_end_of_follow_up_only(self) -> None:
        assert charts.km_steps([(0, 1.0), (10, 0.5)], until=40) == [(0, 1.0), (10, 1.0), (10, 0.5), (40, 0.5)]
        assert charts.km_steps([(0, 1.0), (10, 0.5)], until=5) == [(0, 1.0), (10, 1.0), (10, 0.5)]

    def test_it_keeps_a_censoring_step_without_a_drop_flat(self) -> None:
        # A step at the same level (censored, no event) adds no vertical segment.
        assert charts.km_steps([(0, 1.0), (7, 1.0), (14, 0.5)]) == [(0, 1.0), (7, 1.0), (14, 1.0), (14, 0.5)]

    def test_survival_at_reads_the_last_step_at_or_before_the_day(self) -> None:
        curve = [(0, 1.0), (10, 0.75), (30, 0.5)]
        assert charts.survival_at(curve, 0) == 1.0
        assert charts.survival_at(curve, 9) == 1.0
        assert charts.survival_at(curve, 10) == 0.75
        assert charts.survival_at(curve, 180) == 0.5


class TestRetentionChart:
    def test_it_gives_the_expected_polyline_for_a_known_curve(self) -> None:
        # Plot: x 52…624 for days 0…180 (the last mark), y 14 (100%) … 256 (0%).
        chart = charts.retention_chart([("Methadone", [(0, 1.0), (10, 0.75), (30, 0.5)])], marks=(30, 90, 180))
        (line,) = chart.lines
        assert line.label == "Methadone"
        assert line.points == "52,14 83.8,14 83.8,74.5 147.3,74.5 147.3,135"
        assert [t.label for t in chart.x_ticks] == ["0", "30", "60", "90", "120", "150", "180"]
        assert chart.x_ticks[0].at == 52 and chart.x_ticks[-1].at == 624
        assert [(t.label, t.at) for t in chart.y_ticks] == [
            ("0%", 256.0),
            ("25%", 195.5),
            ("50%", 135.0),
            ("75%", 74.5),
            ("100%", 14.0),
        ]

    def test_each_group_has_its_own_dash_pattern_and_legend_entry(self) -> None:
        curves = [(f"Arm {i}", [(0, 1.0), (30, 0.5)]) for i in range(7)]
        chart = charts.retention_chart(curves, marks=(30,))
        assert [line.css for line in chart.lines] == [f"series-{i}" for i in (0, 1, 2, 3, 4, 5, 0)]
        assert [(item.label, item.css, item.kind) for item in chart.legend[:2]] == [
            ("Arm 0", "series-0", "line"),
            ("Arm 1", "series-1", "line"),
        ]

    def test_its_table_gives_the_share_retained_at_each_marked_day(self) -> None:
        chart = charts.retention_chart(
            [("Methadone", [(0, 1.0), (10, 0.75), (30, 0.5)]), ("Buprenorphine", [(0, 1.0), (100, 0.2)])],
            marks=(30, 90, 180),
        )
        assert chart.table_head == ("Group", "Day 30", "Day 90", "Day 180")
        assert chart.table_rows == (("Methadone", "50%", "50%", "50%"), ("Buprenorphine", "100%", "100%", "20%"))

    def test_it_names_itself_for_screen_readers(self) -> None:
        chart = charts.retention_chart([("A", [(0, 1.0)]), ("B", [(0, 1.0)])], marks=(30,))
        assert chart.title == "Retention in treatment by group"
        assert "one line per group (A, B)" in chart.description
        assert "censored" in chart.description

    def test_the_axis_grows_past_the_last_mark_to_the_longest_curve(self) -> None:
        chart = charts.retention_chart([("A", [(0, 1.0), (400, 0.5)])], marks=(30,))
        # 400 days: steps of 60 would give 7 labels up to 420.
        assert chart.x_ticks[-1].label == "420"

    def test_no_groups_is_an_empty_chart(self) -> None:
        chart = charts.retention_chart([], marks=(30, 90))
        assert chart.empty
        assert chart.table_rows == ()


class TestNegativityChart:
    def test_it_draws_one_bar_per_month_as_tall_as_the_share_negative(self) -> None:
        months = [(dt.date(2025, 2, 1), 10, 5), (dt.date(2025, 1, 1), 4, 4)]
        chart = charts.negativity_chart(months)
        first, second = chart.bars  # sorted by month
        assert first.title == "2025-01: 4 of 4 expected specimens negative (100%)"
        assert (first.y, first.height) == (14.0, 242.0)
        assert second.title == "2025-02: 5 of 10 expected specimens negative (50%)"
        assert (second.y, second.height) == (135.0, 121.0)
        assert second.x > first.x
        assert [t.label for t in chart.x_ticks] == ["2025-01", "2025-02"]
        assert chart.table_rows == (("2025-01", "4", "4", "100%"), ("2025-02", "10", "5", "50%"))

    def test_a_month_at_0_percent_keeps_a_hairline_bar(self) -> None:
        (bar,) = charts.negativity_chart([(dt.date(2025, 1, 1), 3, 0)]).bars
        assert (bar.y, bar.height) == (254.5, 1.5)
        assert bar.title == "2025-01: 0 of 3 expected specimens negative (0%)"

    def test_a_month_with_nothing_expected_has_no_bar_but_a_table_row(self) -> None:
        chart = charts.negativity_chart([(dt.date(2025, 1, 1), 0, 0), (dt.date(2025, 2, 1), 2, 1)])
        assert len(chart.bars) == 1
        assert chart.table_rows[0] == ("2025-01", "0", "0", "—")

    def test_it_labels_at_most_12_months(self) -> None:
        months = [(dt.date(2020 + i // 12, i % 12 + 1, 1), 10, 5) for i in range(36)]
        chart = charts.negativity_chart(months)
        assert len(chart.bars) == 36
        assert [t.label for t in chart.x_ticks][:3] == ["2020-01", "2020-04", "2020-07"]
        assert len(chart.x_ticks) == 12


class TestCensusChart:
    def test_it_stacks_the_levels_of_care_in_a_fixed_order(self) -> None:
        months = [
            (dt.date(2025, 1, 1), {"Opioid treatment program": 6, "Outpatient": 2}),
            (dt.date(2025, 2, 1), {"Outpatient": 4, "Intensive outpatient": 0}),
        ]
        chart = charts.census_chart(months)
        # Levels with anyone in them, sorted; an empty level gets no legend entry.
        assert [(i.label, i.css) for i in chart.legend] == [
            ("Opioid treatment program", "stack-0"),
            ("Outpatient", "stack-1"),
        ]
        jan_otp, jan_out, feb_out = chart.bars
        # y axis 0…8 (steps of 2): 6 people are 6/8 of 242 units high.
        assert [t.label for t in chart.y_ticks] == ["0", "2", "4", "6", "8"]
        assert (jan_otp.y, jan_otp.height) == (74.5, 181.5)
        assert jan_out.y + jan_out.height == jan_otp.y  # stacked on top
        assert jan_out.height == 60.5
        assert feb_out.css == "stack-1"
        assert feb_out.title == "2025-02: 4 in Outpatient"
        assert chart.table_head == ("Month", "Opioid treatment program", "Outpatient", "Total")
        assert chart.table_rows == (("2025-01", "6", "2", "8"), ("2025-02", "0", "4", "4"))

    def test_it_uses_the_labels_given_for_level_codes(self) -> None:
        chart = charts.census_chart([(dt.date(2025, 1, 1), {"otp": 3})], labels={"otp": "Opioid treatment program"})
        assert chart.legend[0].label == "Opioid treatment program"
        assert "Opioid treatment program" in chart.description

    def test_no_months_is_an_empty_chart(self) -> None:
        assert charts.census_chart([]).empty
