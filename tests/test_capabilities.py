"""Declared capabilities that are more than the SDK's defaults: activate-version (opt-in)."""

from __future__ import annotations

import json

from tests.conftest import catalog_for, run_cli, write_config

STREAMS = ["accounts", "keys", "addresses", "dependent_phone_numbers", "messages", "message_media"]


def sync_messages(tmp_path, config: dict) -> list[dict]:
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(catalog_for(config, STREAMS)))
    done = run_cli(["--config", str(write_config(tmp_path, config)), "--catalog", str(catalog)])
    assert done.returncode == 0, done.stderr[-2000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_activate_version_only_for_lists_read_whole_every_run(tmp_path, sandbox):
    messages = sync_messages(tmp_path, sandbox.tap_config(emit_activate_version_messages=True))
    activated = {m["stream"] for m in messages if m["type"] == "ACTIVATE_VERSION"}
    # Read whole on every run: their rows that are gone from Twilio can go from the target.
    assert activated == {"accounts", "keys", "addresses", "dependent_phone_numbers"}
    versions = {m["stream"]: m["version"] for m in messages if m["type"] == "ACTIVATE_VERSION"}
    for m in messages:
        if m["type"] == "RECORD" and m["stream"] in activated:
            assert m["version"] == versions[m["stream"]]
    # A date window (messages) or some parents only (media): no version, nothing dropped.
    streams = {m["stream"] for m in messages if m["type"] == "RECORD"}
    assert {"messages", "message_media"} <= streams


def test_activate_version_is_off_by_default(tmp_path, sandbox):
    messages = sync_messages(tmp_path, sandbox.tap_config())
    assert not [m for m in messages if m["type"] == "ACTIVATE_VERSION"]
    assert all("version" not in m for m in messages if m["type"] == "RECORD")
