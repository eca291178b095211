"""Broken --state and --catalog files: one clear line naming the file, exit 2, no records.

Every case runs the real console script. A state the tap wrote itself must always pass.
"""

from __future__ import annotations

import json
import typing as t

import pytest

from tap_twilio.inputs import unreadable_state as _unreadable_state
from tests.conftest import catalog_for, parse_singer, run_cli, write_config

SID = "AC" + "a" * 32
PARTITION = {"context": {"account_sid": SID}, "replication_key": "date_sent"}


def _state(bookmark: t.Any) -> str:
    return json.dumps({"bookmarks": {"messages": bookmark}})


# (file text, the problem the error line must name)
BROKEN_STATES = {
    "not-json": ("{not json", "is not valid JSON (line 1, column 2)"),
    "json-list": ("[1, 2]", "must hold a JSON object, not a list"),
    "bookmark-is-string": (_state("x"), "bookmarks.messages must be an object, not a string"),
    "partition-value-not-a-date": (
        _state({"partitions": [{**PARTITION, "replication_key_value": "yesterday"}]}),
        "bookmarks.messages.partitions[0].replication_key_value is not an ISO 8601 date "
        "or datetime: 'yesterday'",
    ),
    "stream-value-not-a-date": (
        _state({"replication_key": "date_sent", "replication_key_value": "yesterday"}),
        "bookmarks.messages.replication_key_value is not an ISO 8601 date or datetime: 'yesterday'",
    ),
    "value-is-a-number": (
        _state({"replication_key_value": 1700000000}),
        "bookmarks.messages.replication_key_value must be an ISO 8601 date or datetime "
        "string, not a number",
    ),
    "value-impossible-date": (
        _state({"partitions": [{**PARTITION, "replication_key_value": "2024-02-30T00:00:00Z"}]}),
        "bookmarks.messages.partitions[0].replication_key_value is not an ISO 8601 date",
    ),
    "bookmarks-is-list": (json.dumps({"bookmarks": []}), "bookmarks must be an object, not a list"),
    "bookmarks-is-null": (json.dumps({"bookmarks": None}), "bookmarks must be an object, not null"),
    "partitions-not-a-list": (
        _state({"partitions": {"context": {}}}),
        "bookmarks.messages.partitions must be a list, not an object",
    ),
    "partition-not-an-object": (
        _state({"partitions": ["AC1"]}),
        "bookmarks.messages.partitions[0] must be an object, not a string",
    ),
    "partition-without-context": (
        _state({"partitions": [{"replication_key_value": "2024-01-01T00:00:00Z"}]}),
        "bookmarks.messages.partitions[0] has no context",
    ),
    "context-not-an-object": (
        _state({"partitions": [{"context": SID}]}),
        "bookmarks.messages.partitions[0].context must be an object, not a string",
    ),
    "duplicate-context": (
        _state({"partitions": [PARTITION, {**PARTITION, "replication_key_value": None}]}),
        "bookmarks.messages.partitions[1] has the same context as bookmarks.messages.partitions[0]",
    ),
    "progress-markers-not-an-object": (
        _state({"progress_markers": "x"}),
        "bookmarks.messages.progress_markers must be an object, not a string",
    ),
    "empty-file": ("", "is empty"),
    "reconcile-marker-not-a-date": (
        _state({"partitions": [{**PARTITION, "reconciled_at": "last tuesday"}]}),
        f"bookmarks.messages.partitions[0]: the reconcile marker of messages of account {SID} "
        "is broken: reconciled_at is not an ISO 8601 date-time: 'last tuesday'",
    ),
    "reconcile-marker-a-number": (
        _state({"partitions": [{**PARTITION, "reconciled_at": 1700000000}]}),
        f"the reconcile marker of messages of account {SID} is broken: reconciled_at must "
        "be an ISO 8601 date-time string",
    ),
    "stream-name-with-line-break": (
        json.dumps({"bookmarks": {"mess\nages": 1}}),
        "bookmarks.mess\\nages must be an object, not a number",
    ),
}

BROKEN_CATALOGS = {
    "not-json": ('{"streams": [', "is not valid JSON (line 1, column 14)"),
    "streams-not-a-list": (
        json.dumps({"streams": {"messages": {}}}),
        "streams must be a list, not an object",
    ),
    "json-list": (json.dumps([{"tap_stream_id": "messages"}]), "must hold a JSON object"),
    "no-streams": (json.dumps({"stream": []}), "has no streams list"),
    "entry-not-an-object": (json.dumps({"streams": ["messages"]}), "streams[0] must be an object"),
    "entry-without-tap-stream-id": (
        json.dumps({"streams": [{"stream": "messages", "schema": {}}]}),
        "streams[0] has no tap_stream_id",
    ),
    "tap-stream-id-not-a-string": (
        json.dumps({"streams": [{"tap_stream_id": 7, "schema": {}}]}),
        "streams[0].tap_stream_id must be a non-empty string, not a number",
    ),
    "entry-without-schema": (
        json.dumps({"streams": [{"tap_stream_id": "messages", "metadata": []}]}),
        "streams[0] (messages) has no schema",
    ),
    "schema-not-an-object": (
        json.dumps({"streams": [{"tap_stream_id": "messages", "schema": "object"}]}),
        "streams[0] (messages): schema must be an object, not a string",
    ),
    "property-not-an-object": (
        json.dumps(
            {
                "streams": [
                    {"tap_stream_id": "messages", "schema": {"properties": {"sid": "string"}}}
                ]
            }
        ),
        "streams[0] (messages): schema.properties.sid must be an object, not a string",
    ),
    "property-type-not-a-name": (
        json.dumps(
            {
                "streams": [
                    {"tap_stream_id": "accounts", "schema": {"properties": {"sid": {"type": 5}}}}
                ]
            }
        ),
        "streams[0] (accounts): schema.properties.sid.type must be a type name or a list of "
        "them, not a number",
    ),
    "key-properties-not-a-list": (
        json.dumps(
            {"streams": [{"tap_stream_id": "accounts", "schema": {}, "key_properties": "sid"}]}
        ),
        "streams[0] (accounts): key_properties must be a list of field names, not a string",
    ),
    "replication-key-not-in-schema": (
        json.dumps(
            {"streams": [{"tap_stream_id": "alerts", "schema": {}, "replication_key": "date_sent"}]}
        ),
        "streams[0] (alerts): replication_key date_sent is not a property of the schema",
    ),
    "selected-child-without-parent": (
        json.dumps(
            {
                "streams": [
                    {
                        "tap_stream_id": "messages",
                        "schema": {"properties": {"sid": {"type": "string"}}},
                        "metadata": [{"breadcrumb": [], "metadata": {"selected": True}}],
                    }
                ]
            }
        ),
        "streams[0] (messages) is selected but its parent stream accounts has no entry",
    ),
    "metadata-not-a-list": (
        json.dumps({"streams": [{"tap_stream_id": "messages", "schema": {}, "metadata": {}}]}),
        "streams[0] (messages): metadata must be a list, not an object",
    ),
    "metadata-entry-without-metadata": (
        json.dumps(
            {
                "streams": [
                    {"tap_stream_id": "messages", "schema": {}, "metadata": [{"breadcrumb": []}]}
                ]
            }
        ),
        "streams[0] (messages): metadata[0].metadata must be an object",
    ),
}


def _assert_one_line(proc, kind: str, path, problem: str, secret: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"tap-twilio: error: invalid {kind}: {kind} file {path}"), lines
    assert problem in lines[0], lines
    assert secret not in proc.stderr


def _run(sandbox, tmp_path, option: str, text: str, *, equals: bool = False):
    config = write_config(tmp_path, sandbox.tap_config())
    path = tmp_path / f"{option}.json"
    path.write_text(text, encoding="utf-8")
    given = [f"--{option}={path}"] if equals else [f"--{option}", str(path)]
    return path, run_cli(["--config", str(config), *given], timeout=60)


def _forms(cases: dict, equals: tuple[str, ...]) -> list:
    """Every case as ``--option PATH``; a few also as ``--option=PATH``."""
    return [pytest.param(c, "space", id=c) for c in cases] + [
        pytest.param(c, "equals", id=f"{c}-equals") for c in equals
    ]


@pytest.mark.parametrize(
    ("case", "form"),
    _forms(
        BROKEN_STATES, ("not-json", "json-list", "bookmark-is-string", "stream-value-not-a-date")
    ),
)
def test_broken_state_gives_one_line(sandbox, tmp_path, case, form):
    text, problem = BROKEN_STATES[case]
    path, proc = _run(sandbox, tmp_path, "state", text, equals=form == "equals")
    _assert_one_line(proc, "state", path, problem, sandbox.auth_token)


@pytest.mark.parametrize(
    ("case", "form"), _forms(BROKEN_CATALOGS, ("not-json", "streams-not-a-list", "json-list"))
)
def test_broken_catalog_gives_one_line(sandbox, tmp_path, case, form):
    text, problem = BROKEN_CATALOGS[case]
    path, proc = _run(sandbox, tmp_path, "catalog", text, equals=form == "equals")
    _assert_one_line(proc, "catalog", path, problem, sandbox.auth_token)


@pytest.mark.parametrize("option", ["state", "catalog"])
def test_missing_unreadable_and_binary_files(sandbox, tmp_path, option):
    config = str(write_config(tmp_path, sandbox.tap_config()))
    missing = tmp_path / "missing.json"
    proc = run_cli(["--config", config, f"--{option}", str(missing)], timeout=60)
    _assert_one_line(proc, option, missing, "does not exist", sandbox.auth_token)

    proc = run_cli(["--config", config, f"--{option}={tmp_path}"], timeout=60)
    _assert_one_line(proc, option, tmp_path, "cannot be read (Is a directory)", sandbox.auth_token)

    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{\x00}\x00")
    proc = run_cli(["--config", config, f"--{option}", str(binary)], timeout=60)
    _assert_one_line(proc, option, binary, "is not UTF-8 text", sandbox.auth_token)


def test_a_config_error_comes_before_a_state_error(tmp_path):
    config = write_config(tmp_path, [1])
    state = tmp_path / "state.json"
    state.write_text("[]")
    proc = run_cli(["--config", str(config), "--state", str(state)], timeout=60)
    _assert_one_line(proc, "config", config, "must hold a JSON object, not a list", "b" * 32)


# Streams with different replication keys and partitions (per account, per service).
OWN_STATE_STREAMS = ["accounts", "alerts", "messages", "calls", "usage_records", "conversations"]


def test_state_written_by_the_tap_is_accepted_next_run(sandbox, tmp_path):
    config = sandbox.tap_config()
    config_path = write_config(tmp_path, config)
    catalog_path = tmp_path / "catalog.json"
    catalog_path.write_text(json.dumps(catalog_for(config, OWN_STATE_STREAMS)))
    base = ["--config", str(config_path), "--catalog", str(catalog_path)]

    first = run_cli(base)
    assert first.returncode == 0, first.stderr[-2000:]
    states = parse_singer(first.stdout).states
    assert states
    # Every STATE the tap emits (progress markers and all) passes the check, not only the last.
    for index, state in enumerate(states):
        path = tmp_path / f"state{index}.json"
        path.write_text(json.dumps(state))
        assert _unreadable_state(["--state", str(path)]) is None, state
    last = states[-1]
    # The check had something to check: partitioned date bookmarks of several streams.
    dated = {
        name
        for name, bookmark in last["bookmarks"].items()
        for part in [bookmark, *bookmark.get("partitions", [])]
        if part.get("replication_key_value")
    }
    assert {"messages", "calls", "alerts"} <= dated, last

    state_path = tmp_path / "state.json"
    state_path.write_text(json.dumps(last))
    second = run_cli([*base, f"--state={state_path}"])
    assert second.returncode == 0, second.stderr[-2000:]
    assert "Traceback" not in second.stderr
    assert parse_singer(second.stdout).states


@pytest.mark.parametrize("text", ["{}", '{"bookmarks": {}}'])
def test_empty_states_are_valid(sandbox, tmp_path, text):
    config = sandbox.tap_config()
    catalog_path = tmp_path / "catalog.json"
    catalog_path.write_text(json.dumps(catalog_for(config, ["accounts"])))
    state_path = tmp_path / "state.json"
    state_path.write_text(text)
    proc = run_cli(
        [
            "--config",
            str(write_config(tmp_path, config)),
            "--catalog",
            str(catalog_path),
            "--state",
            str(state_path),
        ]
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert parse_singer(proc.stdout).records["accounts"]


def test_unknown_keys_in_state_are_accepted(tmp_path):
    state = {
        "currently_syncing": None,
        "bookmarks": {
            "retired_stream": {"anything": [1, 2]},
            "messages": {
                "replication_key_signpost": "2026-01-01T00:00:00+00:00",
                "partitions": [
                    {
                        **PARTITION,
                        "replication_key_value": "2026-01-01T00:00:00+00:00",
                        "starting_replication_value": "2025-12-31",
                        "progress_markers": {"Note": "Progress is not resumable if interrupted."},
                        "pending_sids": ["SM" + "0" * 32],
                    },
                    {"context": {"account_sid": "AC" + "b" * 32}, "replication_key_value": None},
                ],
            },
            "alerts": {"replication_key": "date_generated", "replication_key_value": "2026-01-01"},
        },
    }
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    assert _unreadable_state([f"--state={path}"]) is None
