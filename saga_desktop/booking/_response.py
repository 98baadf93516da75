"""The response objects of a finished saga: the guide's, and any saga file's."""

from __future__ import annotations

from typing import Any

from saga_desktop.engine import SagaResult, event_to_dict

__all__ = ["guide_response", "saga_response"]


def guide_response(result: SagaResult) -> dict[str, Any]:
    """Return the guide's success or failure response object for ``result``.

    Parameters
    ----------
    result
        How a booking saga ended.

    Returns
    -------
    dict
        Success: ``success``, ``correlation_id``, ``booking_reference``,
        ``steps_completed``, ``total_steps``, ``saga_log``. Failure: ``success``,
        ``correlation_id``, ``failed_step``, ``error``, ``steps_completed``,
        ``total_steps``, ``compensation_result`` (``total_compensations``,
        ``successful_compensations``, ``results`` of ``step`` and ``success``),
        ``dead_letters``, ``saga_log``. Both also carry ``outcome``.
    """
    reference = result.results["CONFIRM_BOOKING"]["booking_reference"] if result.success else None
    return saga_response(result, booking_reference=reference)


def saga_response(result: SagaResult, *, booking_reference: str | None = None) -> dict[str, Any]:
    """Return the guide's response object for any saga (the booking's reference if given).

    The same keys as :func:`guide_response`, but ``booking_reference``, which
    only the flight booking has.
    """
    response: dict[str, Any] = {
        "success": result.success,
        "correlation_id": result.correlation_id,
        "outcome": result.outcome.value,
    }
    if booking_reference is not None:
        response["booking_reference"] = booking_reference
    if not result.success:
        response["failed_step"] = result.failed_step
        response["error"] = result.error
    response["steps_completed"] = result.steps_completed
    response["total_steps"] = result.total_steps
    if not result.success:
        results = []
        for record in result.compensations:
            entry: dict[str, Any] = {
                "step": record.compensation,
                "success": record.success,
                "attempts": record.attempts,
            }
            if record.error is not None:
                entry["error"] = record.error
            results.append(entry)
        response["compensation_result"] = {
            "total_compensations": len(result.compensations),
            "successful_compensations": sum(r.success for r in result.compensations),
            "results": results,
        }
        response["dead_letters"] = [r.compensation for r in result.dead_letters]
    response["saga_log"] = [event_to_dict(event) for event in result.events]
    return response
