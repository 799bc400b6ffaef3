"""Monitoring charts scale to their data: the tallest bar fills most of the chart, the grid lines carry
round whole numbers, and the axis has room for its widest label."""
import pytest

from kopedu.reports.charts import HEIGHT, TOP, bars

PLOT = HEIGHT - TOP - 28


@pytest.mark.parametrize("tallest", list(range(1, 130)) + [250, 999, 1_700, 24_000, 80_534, 161_000])
def test_the_tallest_bar_fills_most_of_the_chart(tallest):
    chart = bars([tallest, tallest // 2, 0], ["a", "b", "c"])
    top = chart.ticks[-1][1]
    assert top >= tallest
    assert max(bar.height for bar in chart.bars) >= 0.6 * PLOT or tallest < 3, (tallest, top)
    steps = {b - a for (_y, a), (_y2, b) in zip(chart.ticks, chart.ticks[1:])}
    assert len(steps) == 1 and all(isinstance(value, int) for _y, value in chart.ticks)  # even, whole


def test_24_participants_in_the_first_bucket_reach_the_top():
    chart = bars([24] + [0] * 10, [str(i) for i in range(11)])
    assert [value for _y, value in chart.ticks] == [0, 6, 12, 18, 24]
    assert chart.bars[0].height == PLOT


def test_the_axis_makes_room_for_long_labels():
    small, large = bars([7], ["a"]), bars([80_534], ["a"])
    assert large.left > small.left and large.bars[0].x >= large.left
