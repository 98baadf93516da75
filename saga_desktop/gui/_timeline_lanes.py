"""Which bars of a timeline lane can be seen, found in time that grows with the view.

A run of 66,000 events has 33,000 bars in one lane, hundreds to a pixel. Painting,
hovering and exporting each of them took minutes. A :class:`LaneIndex` keeps a
lane's bars sorted by start, with the running maximum of their ends, so that a
paint finds the first bar it can see by bisection and then jumps over every bar
the one just drawn would cover: a lane of bars side by side draws one bar per
few pixels, at worst two per pixel, whatever the run's length. Positions are in
the axis' units (seconds, or event numbers); bars shorter than ``min_width``
units are drawn ``min_width`` wide.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from itertools import accumulate
from typing import Generic, Protocol, TypeVar

__all__ = ["LaneIndex"]


class _Spanning(Protocol):
    @property
    def start(self) -> float: ...

    @property
    def end(self) -> float: ...


B = TypeVar("B", bound=_Spanning)


class LaneIndex(Generic[B]):
    """The bars of one lane, for finding those in a range of the axis.

    Parameters
    ----------
    bars
        The lane's bars, in any order.
    """

    def __init__(self, bars: Sequence[B]) -> None:
        self.bars = sorted(bars, key=lambda bar: bar.start)
        self._starts = [bar.start for bar in self.bars]
        # Non-decreasing: every bar before index i ends at or before _reach[i].
        self._reach = list(accumulate((bar.end for bar in self.bars), max))

    def visible(self, low: float, high: float, min_width: float, step: float) -> Iterator[B]:
        """The bars to draw to show the lane between ``low`` and ``high``.

        Parameters
        ----------
        low, high
            The range of the axis on screen.
        min_width
            The least width a bar is drawn with (a pixel count, in axis units).
        step
            Half a pixel, in axis units: a bar that would show less than this
            beyond the bars drawn before it is left out (it is under them).

        Yields
        ------
        Bar
            In order of their start; each shows something the ones before do not.
        """
        bars, starts, reach = self.bars, self._starts, self._reach

        def right(i: int) -> float:
            return max(bars[i].end, bars[i].start + min_width)

        # The first bar reaching into view (drawn min_width wide, it may start before it).
        index = min(bisect.bisect_left(reach, low), bisect.bisect_left(starts, low - min_width))
        while index < len(bars) and bars[index].start <= high:
            yield bars[index]
            drawn = right(index)
            # Best: the last bar that starts within what is drawn, when it reaches
            # further and no bar before it reaches beyond it: it hides all between.
            last = bisect.bisect_right(starts, drawn) - 1
            if last > index and right(last) > drawn + step and reach[last] <= right(last):
                index = last
                continue
            # Else the next bar that ends beyond what is drawn, or starts late enough to.
            edge = drawn + step
            index = max(
                index + 1,
                min(
                    bisect.bisect_right(reach, edge, lo=index + 1),
                    bisect.bisect_right(starts, edge - min_width, lo=index + 1),
                ),
            )

    def at(self, low: float, high: float, min_width: float) -> B | None:
        """The bar drawn over ``[low, high]`` that started last, or None."""
        index = bisect.bisect_right(self._starts, high) - 1
        while index >= 0:
            bar = self.bars[index]
            if max(bar.end, bar.start + min_width) >= low:
                return bar
            if self._reach[index] < low and bar.start + min_width < low:
                return None  # every bar before this one ends before ``low`` too
            index -= 1
        return None
