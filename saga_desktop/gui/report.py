"""Exports of a run: PNG and SVG pictures, and a self-contained HTML report."""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

from saga_desktop import __version__
from saga_desktop.booking import export_log_text
from saga_desktop.engine import SagaEvent
from saga_desktop.gui._markup import CONTENT_SECURITY_POLICY, Markup, join, markup

if TYPE_CHECKING:
    from saga_desktop.gui.pipeline import PipelineView
    from saga_desktop.gui.timeline import Bar

__all__ = [
    "html_report",
    "run_pipeline",
    "run_pipeline_png",
    "run_timeline_svg",
    "widget_png",
    "widget_svg",
]

# The report's pipeline picture, drawn at this size whatever the window's is.
_PIPELINE_SIZE = (960, 300)


def widget_png(widget: QWidget) -> bytes:
    """The widget as it looks now, as PNG bytes."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    widget.grab().save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def widget_svg(widget: QWidget, title: str) -> str:
    """The widget drawn into an SVG document (vector shapes and text where Qt can)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(widget.size())
    generator.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    generator.setTitle(title)
    generator.setDescription(f"SAGA Desktop {__version__}")
    painter = QPainter(generator)
    widget.render(painter, QPoint(0, 0))
    painter.end()
    buffer.close()
    return bytes(data.data()).decode("utf-8")


def run_pipeline(events: Sequence[SagaEvent], faults: Mapping[str, str] | None) -> PipelineView:
    """A pipeline of its own, as the run left it, with the run's own failure switches.

    Never the window's: its switches and cards may show another run, or be
    changed since, by now. The caller deletes it (``deleteLater``).
    """
    # Imported here: the window module imports this module's users lazily too.
    from saga_desktop.gui.main_window import _step_infos
    from saga_desktop.gui.pipeline import PipelineView, show_event

    view = PipelineView(_step_infos())
    view.set_animation_duration(0)
    known = {name.lower() for name in view.cards()}
    for key, spec in (faults or {}).items():
        if key in known:
            # One by one: a switch the pipeline cannot show is left off, not fatal.
            try:
                view.card(key.upper()).set_fault_spec(spec)
            except (KeyError, ValueError):
                continue
    for event in events:
        show_event(view, event)
    view.resize(*_PIPELINE_SIZE)
    return view


def run_pipeline_png(events: Sequence[SagaEvent], faults: Mapping[str, str] | None) -> bytes:
    """The picture of :func:`run_pipeline` (PNG bytes)."""
    view = run_pipeline(events, faults)
    try:
        return widget_png(view)
    finally:
        view.deleteLater()


def _axis(bars: Sequence[Bar], width: int, even: bool) -> Markup:
    """The time (or event number) axis over the lanes, as the window's timeline has it."""
    from saga_desktop.gui.timeline import TimelineView

    left, top = TimelineView._LABEL_WIDTH, TimelineView._AXIS_HEIGHT
    plot = max(50.0, width - left - 16)
    span = max(max((bar.end for bar in bars), default=1.0), 1e-9)
    parts = [
        markup(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#767676"/>',
            left,
            top - 4,
            left + plot,
            top - 4,
        ),
        markup(
            '<text x="8" y="{}" fill="#444">{}</text>',
            top - 10,
            "event number →" if even else "time since the start →",
        ),
    ]
    for tick in range(6):
        x = left + plot * tick / 5
        value = span * tick / 5
        label = f"#{value:.0f}" if even else f"{value:.3f} s"
        anchor = "end" if tick == 5 else "middle"
        parts.append(
            markup(
                '<line x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2}" stroke="#767676"/>'
                '<text x="{0:.1f}" y="{3}" text-anchor="{4}" fill="#444">{5}</text>',
                x,
                top - 8,
                top - 4,
                top - 10,
                anchor,
                label,
            )
        )
    return join(parts)


def _legend(bars: Sequence[Bar]) -> Markup:
    """One entry per kind of bar the run has, in its colour."""
    from saga_desktop.gui.timeline import _KIND_LABELS, KIND_COLOURS

    kinds = list(dict.fromkeys(bar.kind for bar in bars))
    return join(
        markup(
            '<span class="key"><span class="swatch" style="background:{}"></span>{}</span>',
            KIND_COLOURS[kind],
            _KIND_LABELS.get(kind, kind),
        )
        for kind in kinds
    )


def run_timeline_svg(events: Sequence[SagaEvent], width: int = 1000) -> Markup:
    """The run's timeline with its axis, then its legend (markup for the report).

    Every event is evenly spaced (most happen within a millisecond), as the
    window's timeline shows them by default.
    """
    from saga_desktop.gui.timeline import TimelineView

    view = TimelineView()
    try:
        view.set_events(events)
        view.set_even_spacing(True)
        picture = view.to_svg(width)
        bars = view.bars()
    finally:
        view.deleteLater()
    # The picture leaves the axis' band empty: the axis is drawn over it.
    axis = _axis(bars, width, even=True)
    return markup(
        '<figure class="timeline">{}<figcaption>{}</figcaption></figure>',
        Markup(picture.replace("</svg>", axis + "</svg>", 1)),
        _legend(bars),
    )


def _figures(world: Mapping[str, Any] | None) -> Markup:
    if not world:
        return markup("<p><i>not recorded</i></p>")
    rows = [
        *(
            markup(
                "<tr><td>Flight {} {}</td><td>{} of {} seats left</td></tr>",
                f["id"],
                f["route"],
                f["seats_left"],
                f["capacity"],
            )
            for f in world.get("flights", [])
        ),
        *(
            markup(
                "<tr><td>User {} {}</td><td>{:,} points</td></tr>", u["id"], u["name"], u["points"]
            )
            for u in world.get("users", [])
        ),
    ]
    payments = world.get("payments", {})
    rows.append(
        markup(
            "<tr><td>Payments</td><td>captured {:,.2f}, refunded {:,.2f}, net {:,.2f}</td></tr>",
            payments.get("captured", 0),
            payments.get("refunded", 0),
            payments.get("net", 0),
        )
    )
    bookings = world.get("bookings", {})
    rows.append(
        markup(
            "<tr><td>Bookings</td><td>{} confirmed, {} cancelled</td></tr>",
            bookings.get("confirmed", 0),
            bookings.get("cancelled", 0),
        )
    )
    if world.get("consistent"):
        verdict = markup('<b class="good">✔ consistent</b>')
    else:
        items = join(markup("<li>{}</li>", v) for v in world.get("violations", []))
        verdict = markup('<b class="bad">✖ inconsistent</b><ul>{}</ul>', items)
    return markup("<table>{}</table><p>{}</p>", join(rows), verdict)


_STYLE = """
 body { font-family: "DejaVu Sans", system-ui, sans-serif; margin: 2em auto; max-width: 1200px;
        color: #222; font-size: 16px; line-height: 1.4; padding: 0 1em; }
 h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
 .good { color: #009E73; } .bad { color: #D55E00; }
 table { border-collapse: collapse; } td { padding: 2px 12px 2px 0; }
 pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 14px; line-height: 1.5;
       font-family: "DejaVu Sans Mono", ui-monospace, monospace; }
 .timeline { margin: 0; } figcaption { margin-top: 0.5em; font-size: 14px; }
 .key { margin-right: 1.4em; white-space: nowrap; }
 .swatch { display: inline-block; width: 14px; height: 14px; margin-right: 0.4em;
           vertical-align: -2px; border-radius: 3px; }
 img, svg { max-width: 100%; height: auto; border: 1px solid #ddd; }
 .cols { display: flex; gap: 3em; flex-wrap: wrap; }
"""

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<title>SAGA run {cid}</title>
<style>{style}</style></head><body>
<h1>{headline}</h1>
<p>Outcome <b>{outcome}</b> · correlation id <code>{cid}</code>
· injected failures: {faults}
· {steps_completed}/{total_steps} steps completed</p>
{compensations}
<h2>Pipeline</h2>
<img alt="The pipeline at the end of the run, with its failure switches"
 src="data:image/png;base64,{png}">
<h2>Timeline</h2>
{timeline}
<h2>World</h2>
<div class="cols"><div><h3>Before</h3>{before}</div>
<div><h3>After</h3>{after}</div></div>
<h2>Log</h2>
<pre>{log}</pre>
<p><small>Made by SAGA Desktop {version} on {made}.</small></p>
</body></html>
"""


def html_report(
    *,
    response: Mapping[str, Any],
    events: Sequence[SagaEvent],
    pipeline_png: bytes,
    timeline_svg: Markup,
    faults: Mapping[str, str] | None,
    world_before: Mapping[str, Any] | None,
    world_after: Mapping[str, Any] | None,
) -> str:
    """A self-contained HTML page about one run (pictures inlined), for course material.

    Every value is escaped as it goes in (see :mod:`saga_desktop.gui._markup`), and
    the page's Content-Security-Policy runs no script even if one got in.
    """
    if response.get("success"):
        headline = markup(
            "Booking confirmed — reference {}", str(response.get("booking_reference"))
        )
    else:
        headline = markup(
            "Failed at {}: {}", str(response.get("failed_step")), str(response.get("error"))
        )
    results = (response.get("compensation_result") or {}).get("results", [])
    compensations = join(
        markup("<li>{} {}</li>", r["step"], "✔" if r["success"] else "✖ dead-lettered")
        for r in results
    )
    return markup(
        _PAGE,
        csp=CONTENT_SECURITY_POLICY,
        cid=str(response.get("correlation_id", "")),
        style=Markup(_STYLE),
        headline=headline,
        outcome=str(response.get("outcome", "")),
        faults=(
            "not recorded"
            if faults is None
            else ", ".join(f"{k}={v}" for k, v in faults.items()) or "none"
        ),
        steps_completed=response.get("steps_completed", 0),
        total_steps=response.get("total_steps", 0),
        compensations=(
            markup("<h2>Compensations, newest first</h2><ol>{}</ol>", compensations)
            if compensations
            else Markup("")
        ),
        png=base64.b64encode(pipeline_png).decode("ascii"),
        timeline=timeline_svg,
        before=_figures(world_before),
        after=_figures(world_after),
        log=export_log_text(events),
        version=__version__,
        made=time.strftime("%Y-%m-%d %H:%M"),
    )
