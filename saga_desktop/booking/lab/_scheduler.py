"""A deterministic scheduler: saga threads that run one at a time, in the order asked.

Every saga of a lab run is a real :class:`~saga_desktop.engine.SagaOrchestrator`
run on its own thread. A thread only runs while it holds the turn; it gives the
turn back at its next *pause point* (after each step or compensation attempt,
inside a participant between its read and its write, and while it waits for a
lock). The driver hands the turn to one saga at a time, so an interleaving is a
list of saga labels and replays exactly.
"""

from __future__ import annotations

import threading

__all__ = ["LabAborted", "LabStalled", "Scheduler"]

#: Seconds a turn may take before the lab is declared stalled (a bug, not a lesson).
TURN_TIMEOUT = 10.0


class LabStalled(RuntimeError):
    """A saga thread kept the turn too long, or a run never ended."""


class LabAborted(BaseException):
    """Raised in a saga thread when the run is abandoned.

    A ``BaseException``, so that the engine (which treats an ``Exception`` from a
    step as a refusal and compensates) lets it through and the thread unwinds.
    """


class Scheduler:
    """Hands the turn to one saga thread at a time.

    Parameters
    ----------
    timeout
        Seconds any wait may last (see :data:`TURN_TIMEOUT`).
    """

    def __init__(self, timeout: float = TURN_TIMEOUT) -> None:
        self._cv = threading.Condition()
        self._running: str | None = None
        self._done: set[str] = set()
        self._aborted = False
        self.timeout = timeout

    def wait_turn(self, label: str) -> None:
        """In saga ``label``'s thread: block until the driver gives it the turn."""
        with self._cv:
            if not self._cv.wait_for(lambda: self._aborted or self._running == label, self.timeout):
                raise LabAborted
            if self._aborted:
                raise LabAborted

    def pause(self, label: str) -> None:
        """In saga ``label``'s thread: give the turn back and wait for the next one."""
        with self._cv:
            self._running = None
            self._cv.notify_all()
        self.wait_turn(label)

    def finish(self, label: str) -> None:
        """In saga ``label``'s thread: the saga has ended; give the turn back for good."""
        with self._cv:
            self._done.add(label)
            if self._running == label:
                self._running = None
            self._cv.notify_all()

    def done(self, label: str) -> bool:
        """True once saga ``label`` has ended."""
        with self._cv:
            return label in self._done

    def turn(self, label: str) -> bool:
        """Let saga ``label`` run to its next pause point; False if it had ended.

        Raises
        ------
        LabStalled
            When the saga does not give the turn back within the timeout.
        """
        with self._cv:
            if label in self._done:
                return False
            self._running = label
            self._cv.notify_all()
            if not self._cv.wait_for(lambda: self._running is None, self.timeout):
                raise LabStalled(f"saga {label} kept the turn for {self.timeout:g} s")
        return True

    def abort(self) -> None:
        """Make every waiting saga thread unwind (the run is abandoned)."""
        with self._cv:
            self._aborted = True
            self._cv.notify_all()
