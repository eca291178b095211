"""Tests of the local Twilio sandbox: determinism, spec properties and the CLI.

Real HTTP over sockets, no mocks.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import requests
from twilio_sandbox import SANDBOX_ACCOUNT_SID, credentials_for
from twilio_sandbox.formats import parse_record_date
from twilio_sandbox.org import Org
from twilio_sandbox.registry import REGISTRY

from tests import sandbox_helpers
from tests.sandbox_helpers import NOW, REPO, SPEC_DIR

# The module's sandboxes (one per test module) and their reset after each test.
sb = sandbox_helpers.sb
_reset = sandbox_helpers._reset


# --------------------------------------------------------------------------- determinism & spec


def test_determinism(sb):
    again = Org(seed=0, now=NOW)
    resources = (
        "accounts",
        "messages",
        "message_media",
        "calls",
        "usage_records",
        "conversations",
        "taskrouter_events",
    )
    for resource in resources:
        assert again.expected(resource) == sb.org.expected(resource), resource
    assert again.creds == credentials_for(0)
    assert credentials_for(7).account_sid != SANDBOX_ACCOUNT_SID


def test_subaccount_b_has_only_old_activity(sb):
    sub_b = sb.subaccount_sids[1]
    now = NOW.timestamp()
    for resource, fname in (
        ("messages", "date_sent"),
        ("calls", "date_created"),
        ("recordings", "date_created"),
    ):
        rows = sb.expected(resource, sub_b)
        assert rows
        ages = [(now - parse_record_date(r[fname])) / 86400 for r in rows if r[fname]]
        assert min(ages) >= 59.9 and max(ages) <= 120.1


def _camel(match: re.Match[str]) -> str:
    return "{" + "".join(part.capitalize() for part in match.group(1).split("_")) + "}"


def test_records_carry_every_spec_property(sb):
    endpoints = json.loads((SPEC_DIR / "list-endpoints.json").read_text())
    by_path = {(e["host"].split("//")[1].split(".")[0], e["path"]): e for e in endpoints}
    checked = []
    for spec in REGISTRY.values():
        # Conversations records carry chat_service_sid: the per-service schema.
        template = re.sub(r"\{(\w+)\}", _camel, spec.service_path or spec.path)
        endpoint = by_path.get((spec.product, template))
        if endpoint is None or not endpoint.get("props"):
            continue
        rows = sb.expected(spec.name)
        assert rows, spec.name
        props = set(endpoint["props"])
        for row in rows[:200]:
            assert set(row) == props, (spec.name, set(row) ^ props)
        checked.append(spec.name)
    assert len(checked) >= 45, sorted(set(REGISTRY) - set(checked))


def test_cli_runs_and_exits_cleanly(tmp_path):
    cfg = tmp_path / "cfg.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "twilio_sandbox",
            "--port",
            "0",
            "--write-config",
            str(cfg),
            "--subaccounts",
            "7",
            "--undated-order",
            "last",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        line = proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in line
        config = json.loads(cfg.read_text())
        assert set(config) == {"account_sid", "auth_token", "base_url"}
        base = config["base_url"].replace("{product}", "api")
        resp = requests.get(
            f"{base}/2010-04-01/Accounts.json", auth=(config["account_sid"], config["auth_token"])
        )
        # main + Sub A + Sub B + suspended + closed + 7 fleet subaccounts
        assert resp.status_code == 200 and len(resp.json()["accounts"]) == 5 + 7
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
