"""Every use of singer-sdk internals for speed, in one place, behind one switch.

singer-sdk 0.54 has no public hooks for these; each override below says what public
mechanism it stands in for and why. ``TAP_TWILIO_FAST_PATH=0`` in the environment turns them
all off (the SDK's own methods run; the output is the same, only slower:
``tests/test_fast_path.py`` checks both, and fails naming the override when the SDK method it
replaces changes its signature or disappears). The SDK is pinned (``~=0.54.9``) for them.

Replaced SDK methods (all on ``singer_sdk.Stream`` / ``RESTStream``):

* ``_write_schema_message``: the SDK writes a SCHEMA for every parent context of a child
  stream; once per run is enough.
* ``_write_record_message`` / ``_generate_record_messages``: without stream maps a record
  goes straight to the tap's writer (no ``RecordMessage`` object, no mapper call, no
  per-field type pass: ``shape_record`` has given every field its schema type already).
* ``_process_record``: no child-context walk when no child stream is selected.
* ``_sync_children``: the selected child streams listed once, not asked again per parent.
* ``_increment_stream_state``: no partition lookup for a record that cannot move the
  bookmark (unsorted streams keep the largest value seen).
* ``_request``: sent on the run's kept-alive connections (``tap_twilio.api.http``: no
  ``requests.Session`` settings, proxies, hooks or cookies per request), the body read at once.
* ``__init__`` (``_HTTPStream``'s): no ``requests.Session`` per stream; the run shares one.

STATE (see "STATE at a bounded rate" below) replaces ``Tap._state_writer`` and each stream's
``_state_manager``, and ``Tap._handle_termination`` writes the last STATE on SIGTERM. Always
in force, whatever the switch: ``Tap._validate_config`` (config problems as one line each;
the SDK has no hook for the wording), and the SDK's ``@final`` ``Tap.sync_all`` (progress
lines around it, the last STATE after it) and ``Tap.run_connection_test`` (one request).

Also used here: ``helpers._catalog.pop_deselected_record_properties`` (the SDK's own
selection filter), ``_write_request_duration_log`` and ``_LOG_REQUEST_METRIC_URLS`` (the
request metric the SDK's ``_request`` writes), ``_prepare_request`` (the SDK's request
builder, for the fetcher's first page of a list when the switch is off; on, the stream's
``get_http_request`` is prepared by ``api.http.prepare_get``) and ``Stream._tap`` (the tap
that owns a stream: its run context and message writer).
"""

from tap_twilio.engine.fast_path.registry import (
    ENABLED,
    PRIVATE_HELPERS,
    REPLACED,
    REPLACED_ATTRIBUTES,
    REPLACED_ON_TAP,
)
from tap_twilio.engine.fast_path.state import (
    BoundedStateWriter,
    IndexedStateManager,
    compact_state,
    install_state_manager,
    state_interval,
)
from tap_twilio.engine.fast_path.stream import SDKFastPath, first_page_request, send, tap_of
from tap_twilio.engine.fast_path.tap import TapFastPath

__all__ = [
    "ENABLED",
    "PRIVATE_HELPERS",
    "REPLACED",
    "REPLACED_ATTRIBUTES",
    "REPLACED_ON_TAP",
    "BoundedStateWriter",
    "IndexedStateManager",
    "SDKFastPath",
    "TapFastPath",
    "compact_state",
    "first_page_request",
    "install_state_manager",
    "send",
    "state_interval",
    "tap_of",
]
