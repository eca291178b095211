"""Shared by the sandbox tests (tests/test_sandbox_*.py): fixtures, sessions, paging walkers."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from twilio_sandbox import Sandbox

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=timezone.utc)
FLAT_KEYS = {
    "end",
    "first_page_uri",
    "next_page_uri",
    "page",
    "page_size",
    "previous_page_uri",
    "start",
    "uri",
}
META_KEYS = {
    "first_page_url",
    "key",
    "next_page_url",
    "page",
    "page_size",
    "previous_page_url",
    "url",
}
REPO = Path(__file__).resolve().parents[1]
SPEC_DIR = REPO / "openapi"


@pytest.fixture(scope="module")
def sb():
    """Read-only sandbox shared by the module (tests must not mutate its data)."""
    with Sandbox(seed=0, now=NOW) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def msb():
    """Sandbox for tests that add/update data or inject faults."""
    with Sandbox(seed=1, now=NOW) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def _reset(request):
    yield
    for name in ("sb", "msb"):
        if name in request.fixturenames:
            s = request.getfixturevalue(name)
            s.faults.reset()
            s.allow_all()


def session(s: Sandbox, account_sid: str | None = None) -> requests.Session:
    sess = requests.Session()
    sess.auth = s.auth_for(account_sid)
    return sess


def api(s: Sandbox, tail: str, account_sid: str | None = None) -> str:
    return f"{s.url}/api/2010-04-01/Accounts/{account_sid or s.account_sid}{tail}"


def follow_flat(s: Sandbox, sess: requests.Session, url: str, key: str, **params) -> list[dict]:
    out: list[dict] = []
    resp = sess.get(url, params=params)
    while True:
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert set(body) == FLAT_KEYS | {key}
        out.extend(body[key])
        if not body["next_page_uri"]:
            return out
        assert body["next_page_uri"].startswith("/2010-04-01/")
        resp = sess.get(s.url + "/api" + body["next_page_uri"])


def follow_meta(sess: requests.Session, url: str, **params) -> list[dict]:
    out: list[dict] = []
    resp = sess.get(url, params=params)
    while True:
        assert resp.status_code == 200, resp.text
        body = resp.json()
        meta = body["meta"]
        assert set(meta) == META_KEYS
        assert set(body) == {"meta", meta["key"]}
        out.extend(body[meta["key"]])
        if not meta["next_page_url"]:
            return out
        resp = sess.get(meta["next_page_url"])
