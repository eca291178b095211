"""The switch, and the SDK internals the fast path replaces (checked by tests/test_fast_path.py)."""

from __future__ import annotations

import os

#: Whether the overrides below are in force (``TAP_TWILIO_FAST_PATH=0`` turns them off).
ENABLED = os.environ.get("TAP_TWILIO_FAST_PATH", "1") != "0"

#: The SDK methods replaced, with the parameters they had when the overrides were written.
REPLACED: dict[str, tuple[str, ...]] = {
    "_write_schema_message": ("self",),
    "_write_record_message": ("self", "record"),
    "_generate_record_messages": ("self", "record"),
    "_process_record": ("self", "record", "child_context", "partition_context"),
    "_increment_stream_state": ("self", "latest_record", "context"),
    "_request": ("self", "prepared_request", "context"),
    "_sync_children": ("self", "child_context"),
    "_prepare_request": ("self", "context", "page"),
    "_write_request_duration_log": ("self", "endpoint", "response", "context", "extra_tags"),
    "log": ("self", "message", "args", "level", "kwargs"),
    "get_record_counter": ("self", "endpoint", "log_interval"),
    "get_sync_timer": ("self",),
    "_write_starting_replication_value": ("self", "context"),
}
#: The same for the Tap's methods replaced below.
REPLACED_ON_TAP: dict[str, tuple[str, ...]] = {
    "_validate_config": ("self", "raise_errors"),
    "_handle_termination": ("self", "signum", "frame"),
    # Final in the SDK (no hook around them): overridden all the same, see TapFastPath.
    "load_streams": ("self",),
    "sync_all": ("self",),
    "run_connection_test": ("self",),
}
#: SDK attributes this module replaces or reads, by the class whose code uses them.
REPLACED_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "Tap": ("_state_writer",),
    "Stream": ("_state_manager", "_tap", "_tap_state"),
}
#: Private SDK helpers called here, and the parameters they are called with (each must
#: still exist, and no parameter left out here may have become required).
PRIVATE_HELPERS: dict[str, tuple[str, ...]] = {
    "StreamStateManager.__init__": (
        "self",
        "tap_name",
        "stream_name",
        "tap_state",
        "state_partitioning_keys",
        "is_sorted",
        "check_sorted",
    ),
    "StreamStateManager.get_context_state": ("self", "context"),
    "StateWriter.__init__": ("self", "message_writer"),
    "StateWriter.write_state": ("self", "state"),
    "pop_deselected_record_properties": ("record", "schema", "mask"),
}
