"""The world of a saga file: one database per service, and the invariants of any saga.

A saga file's world lives in a folder of its own (``<data dir>/sagas/<name>``)
with one SQLite database per service and its own saga log, made together the
first time and refused when a member is lost, as the flight booking's are.

The invariants, for any definition, after any saga however it ended: each
service holds, for every correlation id, exactly the effects of that saga's
steps that completed and were not compensated (all of them for a completed
saga, none for a compensated one, the dead-lettered ones' for a saga whose
undo failed); stock is never below zero and taken + left = initial; what an
account is below its opening balance is what is still debited.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from saga_desktop.booking._datadir import (
    SAGA_LOG_DB,
    prepare_data_dir,
    remove_database,
    write_marker,
)
from saga_desktop.booking._exceptions import WorldError
from saga_desktop.booking._response import saga_response
from saga_desktop.booking._saga import FaultInjector
from saga_desktop.booking._sagadef import check_request, injected_errors, service_definition
from saga_desktop.booking._services import SERVICE_KINDS, ServiceParticipant, StockService
from saga_desktop.booking._spec import SagaSpec, StepRole, Take, resolve
from saga_desktop.engine import EventStoreError, SagaDefinition, SagaResult, SqliteEventStore
from saga_desktop.engine._owners import dead_owners
from saga_desktop.engine._sqlite import BusyWait

__all__ = ["SAGAS_FOLDER", "ServiceSnapshot", "ServiceWorld", "saga_world_dir"]

#: The folder of the data directory that holds one world per saga file.
SAGAS_FOLDER = "sagas"


def saga_world_dir(data_dir: Path, spec: SagaSpec) -> Path:
    """Where the world of ``spec`` lives in the data directory ``data_dir``."""
    return Path(data_dir) / SAGAS_FOLDER / spec.name


def _fingerprint(spec: SagaSpec) -> str:
    """What the world's databases are made from: the services and their names."""
    shape = {
        name: [service.keeps, sorted(service.stock or {}), sorted(service.accounts or {})]
        for name, service in spec.services.items()
    }
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]


@dataclasses.dataclass(frozen=True, slots=True)
class ServiceSnapshot:
    """A saga file's world at one moment, and whether it adds up.

    Attributes
    ----------
    saga
        The saga's name.
    services
        One dict per service: ``name``, ``title``, ``keeps`` and its figures
        (``items``, ``accounts``, ``kinds``).
    violations
        Every way the world does not add up; empty when consistent.
    in_flight, interrupted
        As in :class:`WorldSnapshot`.
    """

    saga: str
    services: tuple[dict[str, Any], ...]
    violations: tuple[str, ...]
    in_flight: tuple[str, ...] = ()
    interrupted: tuple[str, ...] = ()

    @property
    def consistent(self) -> bool:
        """True when every service adds up."""
        return not self.violations

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready data (``saga-desktop state --saga FILE --json``)."""
        return {
            "saga": self.saga,
            "consistent": self.consistent,
            "violations": list(self.violations),
            "services": [dict(service) for service in self.services],
            "in_flight": list(self.in_flight),
            "interrupted": list(self.interrupted),
        }


class ServiceWorld:
    """The services of a saga file, each in its own database in ``data_dir``.

    Parameters
    ----------
    spec
        The saga.
    data_dir
        The world's own folder (see :func:`saga_world_dir`).
    busy
        How long to wait for a database another process holds.
    deep
        Check every database's integrity on opening.

    Raises
    ------
    WorldError
        As :class:`FlightWorld` does.
    """

    def __init__(
        self,
        spec: SagaSpec,
        data_dir: Path | str,
        *,
        busy: BusyWait | None = None,
        deep: bool = False,
    ) -> None:
        self.spec = spec
        self.data_dir = Path(data_dir)
        self.busy = busy if busy is not None else BusyWait()
        self._kinds = {
            f"{name}.db": SERVICE_KINDS[service.keeps] for name, service in spec.services.items()
        }
        fingerprint = _fingerprint(spec)
        to_make = prepare_data_dir(self.data_dir, self._kinds, fingerprint=fingerprint)
        unclean = bool(dead_owners(self.data_dir / "saga_log.owners"))
        self.check: bool | None = True if deep or unclean else None
        if to_make:
            self._make(fingerprint)
        self.services: dict[str, ServiceParticipant] = {}
        self._open()

    def _make(self, fingerprint: str) -> None:
        try:
            SqliteEventStore(self.data_dir / SAGA_LOG_DB).close()
        except EventStoreError as exc:
            raise WorldError(str(exc)) from None
        self._open(create=True)
        self.close()
        write_marker(self.data_dir, (*self._kinds, SAGA_LOG_DB), fingerprint)

    def _open(self, *, create: bool = False) -> None:
        opened: dict[str, ServiceParticipant] = {}
        try:
            for name, service in self.spec.services.items():
                participant = self._kinds[f"{name}.db"](
                    self.data_dir / f"{name}.db", create=create, busy=self.busy, check=self.check
                )
                opened[name] = participant
                if create:
                    participant.seed(service.stock or service.accounts or {})
        except BaseException:
            for participant in opened.values():
                participant.close()
            raise
        self.services = opened

    # -- what the orchestrator asks of a world (FlightWorld answers the same) --------

    @property
    def errors(self) -> dict[str, str]:
        """What an injected failure of each step says."""
        return injected_errors(self.spec)

    def validate(self, data: object) -> dict[str, Any]:
        """The request to run: the saga file's default with ``data``'s fields over it."""
        return check_request(self.spec, data)

    def definition(self, injector: FaultInjector) -> SagaDefinition:
        """The saga's definition on this world, with ``injector``'s failures."""
        return service_definition(self.spec, self.services, injector)

    def response(self, result: SagaResult) -> dict[str, Any]:
        """The response object of a finished saga (the guide's, without a booking reference)."""
        return saga_response(result)

    def sold_out(self, step_name: str, request: Mapping[str, Any]) -> bool:
        """True when ``step_name`` takes from a stock that has too few left for ``request``."""
        step = self.spec.step(step_name)
        effect = step.effect
        if not isinstance(effect, Take):
            return False
        service = self.services[step.service]
        assert isinstance(service, StockService)
        item, amount = str(resolve(effect.item, request)), resolve(effect.amount, request)
        left = {entry["item"]: entry["left"] for entry in service.figures()["items"]}
        return int(left.get(item, 0)) < int(amount)

    @property
    def participants(self) -> tuple[ServiceParticipant, ...]:
        """The services, in file order."""
        return tuple(self.services.values())

    def close(self) -> None:
        """Close every service's database."""
        for participant in self.participants:
            participant.close()

    def __enter__(self) -> ServiceWorld:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def reset(self) -> None:
        """Throw the services away and start again from the saga file's stock and balances."""
        self.close()
        for name in self._kinds:
            remove_database(self.data_dir / name)
        self._open(create=True)
        self.close()
        self._open()

    def snapshot(self, store: SqliteEventStore | None = None) -> ServiceSnapshot:
        """Every service's figures and the invariants, judged as :meth:`FlightWorld.snapshot`."""
        before = store.in_flight() if store is not None else None
        services = []
        held: dict[str, dict[tuple[str, str], Any]] = {}
        problems: list[str] = []
        for name, participant in self.services.items():
            with participant.reading():
                figures = participant.figures()
                held[name] = participant.held()
                problems += participant.conservation()
            spec = self.spec.services[name]
            services.append({"name": name, "title": spec.title, "keeps": spec.keeps, **figures})
        running: frozenset[str] = frozenset()
        interrupted: frozenset[str] = frozenset()
        if store is not None and before is not None:
            changed = store.changed_since(before.last_seq)
            running = before.running | changed
            interrupted = before.interrupted - changed
            problems += self._saga_problems(held, store, running)
        return ServiceSnapshot(
            saga=self.spec.name,
            services=tuple(services),
            violations=tuple(problems),
            in_flight=tuple(sorted(running)),
            interrupted=tuple(sorted(interrupted)),
        )

    def violations(self, store: SqliteEventStore | None = None) -> list[str]:
        """Every way the world does not add up (see :meth:`snapshot`)."""
        return list(self.snapshot(store).violations)

    def _parked_effects(self, parked: frozenset[str], holding: set[str]) -> set[str]:
        # A parked undo: its step's effect stays until a person settles it. A parked
        # retriable step (past the pivot, nothing is undone): every step before it
        # holds its effect, and its own is unknown (a late reply), so either is right.
        forward = [
            step
            for step in self.spec.steps
            if step.name in parked and step.role is StepRole.RETRIABLE
        ]
        if not forward:
            return set(parked)
        stuck = forward[0]
        names = self.spec.step_names
        expected = set(names[: names.index(stuck.name)]) | set(parked)
        if stuck.name not in holding:
            expected.discard(stuck.name)
        return expected

    def _saga_problems(
        self,
        held: Mapping[str, Mapping[tuple[str, str], Any]],
        store: SqliteEventStore,
        running: frozenset[str],
    ) -> list[str]:
        # What each saga holds, against what its end in the saga log says it must.
        by_saga: dict[str, set[str]] = {}
        for entries in held.values():
            for cid, step in entries:
                by_saga.setdefault(cid, set()).add(step)
        ended = store.outcomes(sorted(set(by_saga) - running))
        problems = []
        steps = self.spec.step_names
        for cid in sorted(set(by_saga) - running):
            holding = by_saga[cid]
            status, parked = ended.get(cid, (None, frozenset()))
            if status == "COMPLETED":
                expected = set(steps)
            elif status in ("COMPENSATED", "DEAD_LETTERED", "RUNNING"):
                expected = self._parked_effects(parked, holding)
            elif status is None:
                expected = set()
            else:
                continue  # an outcome this check does not know: not judged
            if holding != expected:
                extra = sorted(holding - expected)
                missing = sorted(expected - holding)
                said = "no saga the log knows" if status is None else f"a saga that ended {status}"
                if status == "RUNNING":
                    said = "a saga whose process died (recover it)"
                detail = []
                if extra:
                    detail.append(f"holds the effects of {', '.join(extra)}")
                if missing:
                    detail.append(f"lacks those of {', '.join(missing)}")
                problems.append(f"saga {cid[:8]} ({said}) {' and '.join(detail)}")
        return problems
