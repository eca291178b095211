"""The SDK internals the fast path replaces: still there, and not changing output."""

from __future__ import annotations

import inspect
import json

import pytest
from singer_sdk import Tap
from singer_sdk.helpers import _catalog
from singer_sdk.helpers._state import StateWriter
from singer_sdk.streams import RESTStream, Stream
from singer_sdk.streams._state import StreamStateManager

from tap_twilio.engine import fast_path
from tests.conftest import catalog_for, parse_singer, run_cli, write_config
from tests.expect import without_reconcile_times

STREAMS = [
    "accounts",
    "messages",
    "message_media",
    "calls",
    "usage_records",
    "conversation_services",
    "conversations",
    "conversation_messages",
    "taskrouter_workspaces",
    "taskrouter_events",
]


@pytest.mark.parametrize("name", sorted(fast_path.REPLACED))
def test_replaced_sdk_method_still_has_its_signature(name):
    method = getattr(RESTStream, name, None)
    assert method is not None, (
        f"singer-sdk no longer has RESTStream.{name}: the fast path relies on it "
        f"(turn the fast path off with TAP_TWILIO_FAST_PATH=0 and adapt the override)"
    )
    params = tuple(inspect.signature(method).parameters)
    assert params == fast_path.REPLACED[name], (
        f"singer-sdk changed RESTStream.{name}{params}: the override in the fast path "
        f"was written for {fast_path.REPLACED[name]}"
    )


@pytest.mark.parametrize("name", sorted(fast_path.REPLACED_ON_TAP))
def test_replaced_sdk_tap_method_still_has_its_signature(name):
    method = getattr(Tap, name, None)
    assert method is not None, f"singer-sdk no longer has Tap.{name} (tap_twilio.engine.fast_path)"
    params = tuple(inspect.signature(method).parameters)
    assert params == fast_path.REPLACED_ON_TAP[name], (
        f"singer-sdk changed Tap.{name}{params}: the fast path's override was written "
        f"for {fast_path.REPLACED_ON_TAP[name]}"
    )


@pytest.mark.parametrize("owner", sorted(fast_path.REPLACED_ATTRIBUTES))
def test_replaced_sdk_attributes_are_still_the_sdks(owner):
    """The SDK's own code still uses each attribute the fast path replaces or reads."""
    source = inspect.getsource({"Tap": Tap, "Stream": Stream}[owner])
    for name in fast_path.REPLACED_ATTRIBUTES[owner]:
        assert f"self.{name}" in source, (
            f"singer-sdk's {owner} no longer uses self.{name}: the fast path replaces "
            f"it (turn the fast path off with TAP_TWILIO_FAST_PATH=0 and adapt it)"
        )


@pytest.mark.parametrize("name", sorted(fast_path.PRIVATE_HELPERS))
def test_private_sdk_helpers_still_take_what_they_are_given(name):
    owner, _, attr = name.rpartition(".")
    helpers = {
        "StreamStateManager": StreamStateManager,
        "StateWriter": StateWriter,
        "": _catalog,
    }
    function = getattr(helpers[owner], attr, None)
    assert function is not None, f"singer-sdk no longer has {name} (tap_twilio.engine.fast_path)"
    params = inspect.signature(function).parameters
    given = fast_path.PRIVATE_HELPERS[name]
    missing = [p for p in given if p not in params]
    required = [
        p.name
        for p in params.values()
        if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    assert (missing, [p for p in required if p not in given]) == ([], []), (
        f"singer-sdk changed {name}{tuple(params)}: the fast path calls it with {given}"
    )


def test_the_fast_path_is_on_by_default():
    assert fast_path.ENABLED
    assert "_write_record_message" in vars(fast_path.SDKFastPath)


def sync(tmp_path, sandbox, fast: bool, state: dict | None = None):
    config = sandbox.tap_config()
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(catalog_for(config, STREAMS)))
    args = ["--config", str(write_config(tmp_path, config)), "--catalog", str(catalog)]
    if state is not None:
        path = tmp_path / "state.json"
        path.write_text(json.dumps(state))
        args += ["--state", str(path)]
    done = run_cli(args, env={"TAP_TWILIO_FAST_PATH": "1" if fast else "0"}, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return parse_singer(done.stdout)


def test_switching_the_fast_path_off_changes_no_output(tmp_path, sandbox):
    """Records (in order) and the final state are the same with the SDK's own methods."""
    fast = sync(tmp_path, sandbox, fast=True)
    slow = sync(tmp_path, sandbox, fast=False)
    assert fast.records == slow.records
    assert {s: m["schema"] for s, m in fast.schemas.items()} == {
        s: m["schema"] for s, m in slow.schemas.items()
    }
    # The same bookmarks; the SDK's own state writer also keeps empty partitions.
    assert without_reconcile_times(fast.state) == without_reconcile_times(
        fast_path.compact_state(slow.state)
    )
    # And an incremental run from that state.
    again_fast = sync(tmp_path, sandbox, fast=True, state=fast.state)
    again_slow = sync(tmp_path, sandbox, fast=False, state=fast.state)
    assert again_fast.records == again_slow.records
    assert without_reconcile_times(again_fast.state) == without_reconcile_times(
        fast_path.compact_state(again_slow.state)
    )
    assert sum(len(r) for r in fast.records.values()) > 1000


def test_records_after_the_last_state_are_written(tmp_path, sandbox):
    """Full-table records read after the last bookmark moved still reach stdout."""
    config = sandbox.tap_config()
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(catalog_for(config, ["messages", "usage_triggers"])))
    args = ["--config", str(write_config(tmp_path, config)), "--catalog", str(catalog)]
    done = run_cli(args, env={"TAP_TWILIO_STATE_INTERVAL": "0"})
    assert done.returncode == 0, done.stderr[-2000:]
    result = parse_singer(done.stdout)
    want = {
        r["sid"]
        for a in sandbox.active_accounts
        for r in sandbox.expected("usage_triggers", a["sid"])
    }
    assert want
    assert {r["sid"] for r in result.records["usage_triggers"]} == want


def test_a_sync_collects_young_garbage_less_often_and_restores_the_thresholds(sandbox, monkeypatch):
    """During a sync the youngest generation is collected every GC_YOUNG_THRESHOLD
    allocations (fleet CPU: docs/fleets.md); a program that runs the tap in its own process
    gets its own thresholds back."""
    import gc

    from tap_twilio.engine.fast_path.tap import GC_YOUNG_THRESHOLD
    from tap_twilio.streams.core import AccountsStream
    from tests.conftest import run_tap

    seen: list[tuple[int, ...]] = []
    read = AccountsStream.get_records

    def get_records(self, context):
        seen.append(gc.get_threshold())
        yield from read(self, context)

    monkeypatch.setattr(AccountsStream, "get_records", get_records)
    before = gc.get_threshold()
    result = run_tap(sandbox.tap_config(), streams=["accounts"])
    assert result.records["accounts"]
    assert seen == [(GC_YOUNG_THRESHOLD, *before[1:])]
    assert gc.get_threshold() == before
