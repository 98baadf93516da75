"""The flight-booking world: participants on SQLite, the booking saga, the guide's API.

Imports the engine, never Qt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from saga_desktop._lazy import lazy_exports

if TYPE_CHECKING:
    from saga_desktop.booking._api import (
        BookingSagaOrchestrator,
        BookingSagaService,
        guide_response,
    )
    from saga_desktop.booking._batch import (
        BATCH_FAULTS,
        MAX_SAGAS,
        BatchPlan,
        BatchProgress,
        BatchReport,
        Cancellation,
        run_batch,
    )
    from saga_desktop.booking._captions import caption, captions
    from saga_desktop.booking._datadir import MARKER, SAGA_LOG_DB, WORLD_DATABASES
    from saga_desktop.booking._exceptions import (
        BookingError,
        DatabaseUnusable,
        DataDirectoryBusy,
        InvalidBatchPlan,
        InvalidBooking,
        InvalidFaultSpec,
        InvalidRunFile,
        UnreadableFile,
        WorldError,
    )
    from saga_desktop.booking._faults import (
        DEFAULT_FAILURE_RATE,
        STEP_KEYS,
        Fault,
        FaultKind,
        FaultPlan,
        parse_fault,
        parse_kind,
        plan_from_failure_scenarios,
        step_key,
    )
    from saga_desktop.booking._files import json_type, read_json_file, read_user_file
    from saga_desktop.booking._logs import (
        BOOKINGS_LOG,
        ORCHESTRATOR_LOG,
        SagaLogFiles,
        export_log_text,
    )
    from saga_desktop.booking._participants import (
        BookingRegistry,
        LoyaltyAccounts,
        Participant,
        PaymentGateway,
        SeatInventory,
    )
    from saga_desktop.booking._paths import DATA_DIR_ENV, default_data_dir
    from saga_desktop.booking._presets import (
        PRESET_OUTCOMES,
        PRESETS,
        Preset,
        describe_plan,
        parse_plan,
        preset,
        random_fault_plan,
    )
    from saga_desktop.booking._request import (
        DEFAULT_BOOKING,
        MAX_NAME_LENGTH,
        MAX_PASSENGERS,
        PAYMENT_METHODS,
        BookingRequest,
    )
    from saga_desktop.booking._restock import open_scratch_world, restock_world
    from saga_desktop.booking._runfile import (
        RUN_FILE_FORMAT,
        RUN_FILE_LIMIT,
        RUN_FILE_MAX_EVENTS,
        RUN_FILE_VERSION,
        RunFile,
        export_run,
        parse_run,
        read_run,
        write_run,
    )
    from saga_desktop.booking._saga import (
        ACTION_RETRY,
        COMPENSATION_RETRY,
        STEP_TIMEOUT,
        CrashHook,
        FaultInjector,
        booking_definition,
    )
    from saga_desktop.booking._scenarios import (
        SCENARIO_WORLD,
        SCENARIOS,
        Scenario,
        check_scenario,
        run_scenarios,
        run_scenarios_on_scratch_world,
        write_report,
    )
    from saga_desktop.booking._steps import SAGA_NAME, STEP_NAMES, STEP_TEXTS, StepText
    from saga_desktop.booking._world import (
        DEFAULT_FLIGHTS,
        DEFAULT_USERS,
        FlightWorld,
        WorldSnapshot,
    )
    from saga_desktop.booking._world_replay import world_at

__all__ = [
    "ACTION_RETRY",
    "BATCH_FAULTS",
    "BOOKINGS_LOG",
    "COMPENSATION_RETRY",
    "DATA_DIR_ENV",
    "DEFAULT_BOOKING",
    "DEFAULT_FAILURE_RATE",
    "DEFAULT_FLIGHTS",
    "DEFAULT_USERS",
    "MARKER",
    "MAX_NAME_LENGTH",
    "MAX_PASSENGERS",
    "MAX_SAGAS",
    "ORCHESTRATOR_LOG",
    "PAYMENT_METHODS",
    "PRESETS",
    "PRESET_OUTCOMES",
    "RUN_FILE_FORMAT",
    "RUN_FILE_LIMIT",
    "RUN_FILE_MAX_EVENTS",
    "RUN_FILE_VERSION",
    "SAGA_LOG_DB",
    "SAGA_NAME",
    "SCENARIOS",
    "SCENARIO_WORLD",
    "STEP_KEYS",
    "STEP_NAMES",
    "STEP_TEXTS",
    "STEP_TIMEOUT",
    "WORLD_DATABASES",
    "BatchPlan",
    "BatchProgress",
    "BatchReport",
    "BookingError",
    "BookingRegistry",
    "BookingRequest",
    "BookingSagaOrchestrator",
    "BookingSagaService",
    "Cancellation",
    "CrashHook",
    "DataDirectoryBusy",
    "DatabaseUnusable",
    "Fault",
    "FaultInjector",
    "FaultKind",
    "FaultPlan",
    "FlightWorld",
    "InvalidBatchPlan",
    "InvalidBooking",
    "InvalidFaultSpec",
    "InvalidRunFile",
    "LoyaltyAccounts",
    "Participant",
    "PaymentGateway",
    "Preset",
    "RunFile",
    "SagaLogFiles",
    "Scenario",
    "SeatInventory",
    "StepText",
    "UnreadableFile",
    "WorldError",
    "WorldSnapshot",
    "booking_definition",
    "caption",
    "captions",
    "check_scenario",
    "default_data_dir",
    "describe_plan",
    "export_log_text",
    "export_run",
    "guide_response",
    "json_type",
    "open_scratch_world",
    "parse_fault",
    "parse_kind",
    "parse_plan",
    "parse_run",
    "plan_from_failure_scenarios",
    "preset",
    "random_fault_plan",
    "read_json_file",
    "read_run",
    "read_user_file",
    "restock_world",
    "run_batch",
    "run_scenarios",
    "run_scenarios_on_scratch_world",
    "step_key",
    "world_at",
    "write_report",
    "write_run",
]

# Where each public name lives. The package loads a submodule only when one of its
# names is first asked for, so the window's start does not pay for what it never uses.
_SUBMODULES: dict[str, tuple[str, ...]] = {
    "_api": (
        "BookingSagaOrchestrator",
        "BookingSagaService",
        "guide_response",
    ),
    "_batch": (
        "BATCH_FAULTS",
        "MAX_SAGAS",
        "BatchPlan",
        "BatchProgress",
        "BatchReport",
        "Cancellation",
        "run_batch",
    ),
    "_captions": (
        "caption",
        "captions",
    ),
    "_datadir": ("MARKER", "SAGA_LOG_DB", "WORLD_DATABASES"),
    "_exceptions": (
        "BookingError",
        "DataDirectoryBusy",
        "DatabaseUnusable",
        "InvalidBatchPlan",
        "InvalidBooking",
        "InvalidFaultSpec",
        "InvalidRunFile",
        "UnreadableFile",
        "WorldError",
    ),
    "_files": (
        "json_type",
        "read_json_file",
        "read_user_file",
    ),
    "_faults": (
        "DEFAULT_FAILURE_RATE",
        "STEP_KEYS",
        "Fault",
        "FaultKind",
        "FaultPlan",
        "parse_fault",
        "parse_kind",
        "plan_from_failure_scenarios",
        "step_key",
    ),
    "_logs": (
        "BOOKINGS_LOG",
        "ORCHESTRATOR_LOG",
        "SagaLogFiles",
        "export_log_text",
    ),
    "_participants": (
        "BookingRegistry",
        "LoyaltyAccounts",
        "Participant",
        "PaymentGateway",
        "SeatInventory",
    ),
    "_paths": (
        "DATA_DIR_ENV",
        "default_data_dir",
    ),
    "_presets": (
        "PRESET_OUTCOMES",
        "PRESETS",
        "Preset",
        "describe_plan",
        "parse_plan",
        "preset",
        "random_fault_plan",
    ),
    "_request": (
        "DEFAULT_BOOKING",
        "MAX_NAME_LENGTH",
        "MAX_PASSENGERS",
        "PAYMENT_METHODS",
        "BookingRequest",
    ),
    "_restock": ("open_scratch_world", "restock_world"),
    "_runfile": (
        "RUN_FILE_FORMAT",
        "RUN_FILE_LIMIT",
        "RUN_FILE_MAX_EVENTS",
        "RUN_FILE_VERSION",
        "RunFile",
        "export_run",
        "parse_run",
        "read_run",
        "write_run",
    ),
    "_saga": (
        "ACTION_RETRY",
        "COMPENSATION_RETRY",
        "STEP_TIMEOUT",
        "CrashHook",
        "FaultInjector",
        "booking_definition",
    ),
    "_steps": ("SAGA_NAME", "STEP_NAMES", "STEP_TEXTS", "StepText"),
    "_scenarios": (
        "SCENARIO_WORLD",
        "SCENARIOS",
        "Scenario",
        "check_scenario",
        "run_scenarios",
        "run_scenarios_on_scratch_world",
        "write_report",
    ),
    "_world": (
        "DEFAULT_FLIGHTS",
        "DEFAULT_USERS",
        "FlightWorld",
        "WorldSnapshot",
    ),
    "_world_replay": ("world_at",),
}
__getattr__, __dir__ = lazy_exports(__name__, _SUBMODULES, globals(), __all__)
