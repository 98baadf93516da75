"""Presenter mode (issue 13, item 6): true full screen, scaled with the screen, either order.

Readable from the back of a hall: step titles of 36 px and captions of 32 px at
1920x1080, whether F11 comes before or after maximising.
"""

from __future__ import annotations

from gui_helpers import widget
from PySide6.QtGui import QFontInfo, QPalette
from PySide6.QtWidgets import QApplication, QLabel


def _px(label: QLabel) -> int:
    return QFontInfo(label.font()).pixelSize()


def _sizes(window) -> tuple[float, int, int, int]:
    return (
        window.pipeline.presenter_scale(),
        _px(widget(window, "stepTitle_deduct_loyalty_points", QLabel)),
        _px(window.caption),
        _px(window.what_is_left),
    )


def _as_the_screen(qtbot, window, width: int = 1920, height: int = 1080) -> None:
    # The window manager gives a full-screen window the screen's size, later (the
    # offscreen screen is smaller: what it did first settles, then the "screen" size).
    qtbot.wait(100)
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width and window.height() == height)
    QApplication.processEvents()


def test_f11_first_goes_full_screen_and_scales_with_the_screen(qtbot, make_window) -> None:
    window = make_window()  # 1280x800, not maximised
    window.presenter_action.trigger()  # F11
    assert window.isFullScreen()
    _as_the_screen(qtbot, window)

    scale, title, caption, left = _sizes(window)
    assert scale > 2.5
    assert title >= 36, f"step titles are {title} px at 1920x1080"
    assert caption >= 32, f"captions are {caption} px at 1920x1080"
    assert left >= 24, f"'Still to run' is {left} px"
    assert window.what_is_left.foregroundRole() == QPalette.ColorRole.WindowText
    assert not window.tabs.isVisible()

    window.presenter_action.trigger()  # F11 again: back as it was
    assert not window.isFullScreen()
    assert window.pipeline.presenter_scale() == 1.0
    assert window.what_is_left.foregroundRole() == QPalette.ColorRole.PlaceholderText


def test_the_order_of_f11_and_maximise_does_not_matter(qtbot, make_window) -> None:
    first = make_window()
    first.presenter_action.trigger()
    _as_the_screen(qtbot, first)
    f11_first = _sizes(first)

    second = make_window()
    second.showMaximized()
    _as_the_screen(qtbot, second, 1900, 1000)  # maximised: a little less than the screen
    second.presenter_action.trigger()
    assert second.isFullScreen()
    _as_the_screen(qtbot, second)

    assert _sizes(second) == f11_first
