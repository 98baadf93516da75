"""Exports of a run: PNG and SVG pictures, and a self-contained HTML report."""

from __future__ import annotations

import base64
import html
import time
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

from saga_desktop import __version__
from saga_desktop.booking import export_log_text
from saga_desktop.engine import SagaEvent

__all__ = ["html_report", "widget_png", "widget_svg"]


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


def _figures(world: Mapping[str, Any] | None) -> str:
    if not world:
        return "<p><i>not recorded</i></p>"
    rows = [
        *(
            f"<tr><td>Flight {f['id']} {html.escape(f['route'])}</td>"
            f"<td>{f['seats_left']} of {f['capacity']} seats left</td></tr>"
            for f in world.get("flights", [])
        ),
        *(
            f"<tr><td>User {u['id']} {html.escape(u['name'])}</td>"
            f"<td>{u['points']:,} points</td></tr>"
            for u in world.get("users", [])
        ),
    ]
    payments = world.get("payments", {})
    rows.append(
        f"<tr><td>Payments</td><td>captured {payments.get('captured', 0):,.2f}, refunded "
        f"{payments.get('refunded', 0):,.2f}, net {payments.get('net', 0):,.2f}</td></tr>"
    )
    bookings = world.get("bookings", {})
    rows.append(
        f"<tr><td>Bookings</td><td>{bookings.get('confirmed', 0)} confirmed, "
        f"{bookings.get('cancelled', 0)} cancelled</td></tr>"
    )
    verdict = (
        '<b class="good">✔ consistent</b>'
        if world.get("consistent")
        else "<b class='bad'>✖ inconsistent</b><ul>"
        + "".join(f"<li>{html.escape(v)}</li>" for v in world.get("violations", []))
        + "</ul>"
    )
    return f"<table>{''.join(rows)}</table><p>{verdict}</p>"


def html_report(
    *,
    response: Mapping[str, Any],
    events: Sequence[SagaEvent],
    pipeline_png: bytes,
    timeline_svg: str,
    faults: Mapping[str, str],
    world_before: Mapping[str, Any] | None,
    world_after: Mapping[str, Any] | None,
) -> str:
    """A self-contained HTML page about one run (pictures inlined), for course material."""
    outcome = response.get("outcome", "")
    if response.get("success"):
        headline = (
            f"Booking confirmed — reference {html.escape(str(response.get('booking_reference')))}"
        )
    else:
        headline = (
            f"Failed at {html.escape(str(response.get('failed_step')))}: "
            f"{html.escape(str(response.get('error')))}"
        )
    compensations = response.get("compensation_result", {}).get("results", [])
    comp_html = "".join(
        f"<li>{html.escape(r['step'])} {'✔' if r['success'] else '✖ dead-lettered'}</li>"
        for r in compensations
    )
    fault_text = ", ".join(f"{k}={v}" for k, v in faults.items()) or "none"
    png = base64.b64encode(pipeline_png).decode("ascii")
    log = html.escape(export_log_text(events))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>SAGA run {html.escape(str(response.get("correlation_id", "")))}</title>
<style>
 body {{ font-family: "DejaVu Sans", system-ui, sans-serif; margin: 2em auto; max-width: 1200px;
        color: #222; }}
 h1 {{ font-size: 1.5em; }} h2 {{ font-size: 1.15em; margin-top: 1.6em; }}
 .good {{ color: #009E73; }} .bad {{ color: #D55E00; }}
 table {{ border-collapse: collapse; }} td {{ padding: 2px 12px 2px 0; }}
 pre {{ background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 0.8em; }}
 img, svg {{ max-width: 100%; height: auto; border: 1px solid #ddd; }}
 .cols {{ display: flex; gap: 3em; flex-wrap: wrap; }}
</style></head><body>
<h1>{headline}</h1>
<p>Outcome <b>{html.escape(str(outcome))}</b> · correlation id
<code>{html.escape(str(response.get("correlation_id", "")))}</code>
· injected failures: {html.escape(fault_text)}
· {response.get("steps_completed", 0)}/{response.get("total_steps", 0)} steps completed</p>
{f"<h2>Compensations, newest first</h2><ol>{comp_html}</ol>" if comp_html else ""}
<h2>Pipeline</h2>
<img alt="The pipeline at the end of the run" src="data:image/png;base64,{png}">
<h2>Timeline</h2>
{timeline_svg}
<h2>World</h2>
<div class="cols"><div><h3>Before</h3>{_figures(world_before)}</div>
<div><h3>After</h3>{_figures(world_after)}</div></div>
<h2>Log</h2>
<pre>{log}</pre>
<p><small>Made by SAGA Desktop {__version__} on {time.strftime("%Y-%m-%d %H:%M")}.</small></p>
</body></html>
"""
