"""The flight-booking world: participants on SQLite, the booking saga, the guide's API.

Imports the engine, never Qt.
"""

from saga_desktop.booking._api import BookingSagaOrchestrator, BookingSagaService, guide_response
from saga_desktop.booking._captions import caption, captions
from saga_desktop.booking._exceptions import (
    BookingError,
    InvalidBooking,
    InvalidFaultSpec,
    InvalidRunFile,
    WorldError,
)
from saga_desktop.booking._faults import (
    STEP_KEYS,
    Fault,
    FaultKind,
    FaultPlan,
    parse_fault,
    parse_kind,
    plan_from_failure_scenarios,
    step_key,
)
from saga_desktop.booking._logs import BOOKINGS_LOG, ORCHESTRATOR_LOG, SagaLogFiles
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
from saga_desktop.booking._request import DEFAULT_BOOKING, PAYMENT_METHODS, BookingRequest
from saga_desktop.booking._runfile import (
    RUN_FILE_FORMAT,
    RUN_FILE_VERSION,
    RunFile,
    export_log_text,
    export_run,
    parse_run,
    read_run,
    write_run,
)
from saga_desktop.booking._saga import (
    ACTION_RETRY,
    COMPENSATION_RETRY,
    SAGA_NAME,
    STEP_NAMES,
    STEP_TEXTS,
    STEP_TIMEOUT,
    CrashHook,
    FaultInjector,
    StepText,
    booking_definition,
)
from saga_desktop.booking._scenarios import (
    SCENARIOS,
    Scenario,
    check_scenario,
    run_scenarios,
    write_report,
)
from saga_desktop.booking._world import DEFAULT_FLIGHTS, DEFAULT_USERS, FlightWorld, WorldSnapshot

__all__ = [
    "ACTION_RETRY",
    "BOOKINGS_LOG",
    "COMPENSATION_RETRY",
    "DATA_DIR_ENV",
    "DEFAULT_BOOKING",
    "DEFAULT_FLIGHTS",
    "DEFAULT_USERS",
    "ORCHESTRATOR_LOG",
    "PAYMENT_METHODS",
    "PRESETS",
    "PRESET_OUTCOMES",
    "RUN_FILE_FORMAT",
    "RUN_FILE_VERSION",
    "SAGA_NAME",
    "SCENARIOS",
    "STEP_KEYS",
    "STEP_NAMES",
    "STEP_TEXTS",
    "STEP_TIMEOUT",
    "BookingError",
    "BookingRegistry",
    "BookingRequest",
    "BookingSagaOrchestrator",
    "BookingSagaService",
    "CrashHook",
    "Fault",
    "FaultInjector",
    "FaultKind",
    "FaultPlan",
    "FlightWorld",
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
    "parse_fault",
    "parse_kind",
    "parse_plan",
    "parse_run",
    "plan_from_failure_scenarios",
    "preset",
    "random_fault_plan",
    "read_run",
    "run_scenarios",
    "step_key",
    "write_report",
    "write_run",
]
