"""The timeline's lane index: what a paint draws looks the same as drawing every bar.

The index leaves out bars hidden under others; these properties check, for any
lane, that every pixel a bar covers is still covered, that at most about two bars
per pixel are drawn, and that the bar under the mouse is the one drawing every bar
would put on top.
"""

from __future__ import annotations

import dataclasses
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from saga_desktop.gui._timeline_lanes import LaneIndex

WIDTH = 200  # pixels of the plot
MIN_WIDTH = 8  # pixels


@dataclasses.dataclass(frozen=True)
class Bar:
    start: float
    end: float


BARS = st.lists(
    st.tuples(st.floats(0, 1000), st.floats(0, 50)).map(lambda t: Bar(t[0], t[0] + t[1])),
    max_size=300,
)


def pixels(bars: list[Bar], scale: float) -> set[int]:
    """The pixel columns the bars cover, each drawn at least MIN_WIDTH wide."""
    covered: set[int] = set()
    for bar in bars:
        left = bar.start * scale
        right = max(bar.end * scale, left + MIN_WIDTH)
        covered.update(range(math.floor(left), math.ceil(right)))
    return covered


@settings(max_examples=200, deadline=None)
@given(bars=BARS)
def test_the_visible_bars_cover_every_pixel_all_bars_cover(bars: list[Bar]) -> None:
    span = max(max((bar.end for bar in bars), default=1.0), 1.0)
    scale = WIDTH / span
    index = LaneIndex(bars)

    shown = list(index.visible(0, span, MIN_WIDTH / scale, 0.5 / scale))

    assert set(map(id, shown)) <= set(map(id, bars))
    everything = pixels(bars, scale)
    drawn = pixels(shown, scale)
    assert drawn <= everything
    # A bar left out shows less than half a pixel beyond those drawn before it.
    assert len(everything - drawn) <= len(bars)
    for column in everything - drawn:
        assert column - 1 in drawn or column + 1 in drawn
    assert len(shown) <= 2 * (WIDTH + MIN_WIDTH) + 2


def test_a_long_lane_draws_about_two_bars_per_pixel() -> None:
    bars = [Bar(i, i + 0.5) for i in range(33_000)]
    index = LaneIndex(bars)
    scale = 1000 / 33_000

    shown = list(index.visible(0, 33_000, MIN_WIDTH / scale, 0.5 / scale))

    # One bar per MIN_WIDTH pixels or so, not 33 per pixel.
    assert len(shown) <= 1000 / MIN_WIDTH * 1.5
    assert pixels(shown, scale) == pixels(bars, scale)


@settings(max_examples=200, deadline=None)
@given(bars=BARS, x=st.floats(-10, 1100), slack=st.floats(0, 3))
def test_the_bar_at_a_point_is_the_last_started_of_those_under_it(
    bars: list[Bar], x: float, slack: float
) -> None:
    index = LaneIndex(bars)
    under = [
        bar
        for bar in index.bars
        if bar.start <= x + slack and max(bar.end, bar.start + MIN_WIDTH) >= x - slack
    ]

    found = index.at(x - slack, x + slack, MIN_WIDTH)

    assert found is (under[-1] if under else None)
