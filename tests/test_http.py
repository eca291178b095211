"""HTTP behaviour: retries on 429/5xx/drops/truncation, one-line errors, no secret leaks."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import http.client as http_client
import io
import json
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
import typing as t
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest
import requests
import time_machine
from requests.auth import HTTPBasicAuth

from tap_twilio.api import http, wire
from tap_twilio.api.errors import describe_transport_error, is_connect_failure
from tap_twilio.api.settings import product_url
from tap_twilio.engine.context import RunContext
from tests.conftest import run_cli, run_tap, write_config
from tests.expect import expected_keys

MESSAGES = "/Messages.json"


def first_account_messages(sb) -> str:
    return f"/2010-04-01/Accounts/{sb.accounts[0]['sid']}/Messages.json"


@pytest.mark.parametrize(
    ("kind", "opts"),
    [
        ("429", {"retry_after": 7}),
        ("429", {}),
        ("500", {}),
        ("503", {}),
        ("drop", {}),
        ("truncate", {}),
    ],
)
def test_transient_failures_are_retried(fresh_sandbox, no_sleep, kind, opts):
    sb = fresh_sandbox
    path = first_account_messages(sb)
    sb.inject(path, kind, times=2, **opts)
    result = run_tap(sb.tap_config(), streams=["messages"])
    assert {(r["sid"],) for r in result.records["messages"]} == expected_keys(sb, "messages")
    attempts = [r for r in sb.requests if r.path == path and "PageToken" not in r.query]
    assert len(attempts) == 3  # two failures, then the page
    assert len(no_sleep) >= 2
    if opts.get("retry_after"):
        assert no_sleep[:2] == [7.0, 7.0]
    else:
        assert all(0 < w <= 60 for w in no_sleep[:2])


def test_retries_are_bounded(fresh_sandbox, no_sleep, tmp_path):
    sb = fresh_sandbox
    sb.inject(first_account_messages(sb), "503", times=50)
    with pytest.raises(Exception, match="HTTP 503"):
        run_tap(sb.tap_config(max_retries=3), streams=["messages"])
    attempts = [r for r in sb.requests if r.path == first_account_messages(sb)]
    assert len(attempts) == 4


def test_bad_credentials_one_line_and_exit_code(sandbox, tmp_path):
    config = sandbox.tap_config()
    config["auth_token"] = "0" * 32
    proc = run_cli(["--config", str(write_config(tmp_path, config))])
    assert proc.returncode == 1
    assert proc.stdout.count('"type":"RECORD"') == 0
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("tap-twilio: error: ")
    assert "HTTP 401 code 20003" in last
    assert "/2010-04-01/Accounts.json" in last
    assert "0" * 32 not in proc.stderr + proc.stdout


def test_unknown_account_in_account_sids_is_one_line(sandbox, tmp_path):
    config = sandbox.tap_config(account_sids=["AC" + "f" * 32])
    proc = run_cli(["--config", str(write_config(tmp_path, config))])
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last == (
        "tap-twilio: error: account_sids: AC" + "f" * 32 + " is not an account these "
        "credentials can read (Accounts.json does not list it)"
    )


def test_unexpected_404_is_fatal_with_one_line(fresh_sandbox, tmp_path):
    sb = fresh_sandbox
    sb.inject("/Calls.json", "404", times=1)
    config = write_config(tmp_path, sb.tap_config())
    proc = run_cli(["--config", str(config)])
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert "HTTP 404 code 20404" in last and "/Calls.json" in last


@pytest.mark.parametrize("auth", ["token", "api_key"])
def test_secrets_never_logged_at_debug(sandbox, tmp_path, auth):
    config = sandbox.tap_config(auth=auth)
    secret = config.get("auth_token") or config["api_key_secret"]
    user = config.get("api_key_sid") or config["account_sid"]
    basic = base64.b64encode(f"{user}:{secret}".encode()).decode()
    catalog = tmp_path / "catalog.json"
    from tests.conftest import catalog_for

    catalog.write_text(json.dumps(catalog_for(config, ["accounts", "keys", "usage_triggers"])))
    proc = run_cli(
        ["--config", str(write_config(tmp_path, config)), "--catalog", str(catalog)],
        env={"LOGLEVEL": "DEBUG", "TAP_TWILIO_LOGLEVEL": "DEBUG"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "DEBUG" in proc.stderr
    for text in (proc.stdout, proc.stderr):
        assert secret not in text
        assert basic not in text
    for account in sandbox.active_accounts:
        assert account["auth_token"] not in proc.stdout + proc.stderr


def test_api_key_auth_reads_the_same_data(sandbox):
    token = run_tap(sandbox.tap_config(auth="token"), streams=["accounts", "keys"])
    key = run_tap(sandbox.tap_config(auth="api_key"), streams=["accounts", "keys"])
    assert token.records == key.records
    assert any(r.username.startswith("SK") for r in sandbox.requests)


@pytest.mark.parametrize(
    ("config", "url"),
    [
        ({}, "https://api.twilio.com"),
        ({"region": "ie1"}, "https://api.ie1.twilio.com"),
        ({"edge": "dublin"}, "https://api.dublin.us1.twilio.com"),
        ({"edge": "sydney", "region": "au1"}, "https://api.sydney.au1.twilio.com"),
        ({"base_url": "http://127.0.0.1:9/{product}/"}, "http://127.0.0.1:9/api"),
    ],
)
def test_product_hosts(config, url):
    assert product_url(config, "api") == url
    assert product_url(config, "monitor") == url.replace("api", "monitor")


# The transport (tap_twilio.api.http): requests sent on urllib3's pools directly ----------


class _Recorder(BaseHTTPRequestHandler):
    """A local server that notes each request's headers and connection, and misbehaves
    on purpose: ``/cut`` sends half its body, ``/drop`` hangs up, ``/slow`` answers late,
    ``/moved`` redirects to ``/ok``."""

    protocol_version = "HTTP/1.1"
    seen: t.ClassVar[list[tuple[str, dict[str, str], int]]] = []

    def log_message(self, format, *args):  # noqa: A002
        """Quiet."""

    def do_GET(self):
        type(self).seen.append((self.path, dict(self.headers), self.client_address[1]))
        body = b'{"keys": []}'
        if self.path.startswith("/drop"):
            self.close_connection = True
            return
        if self.path.startswith("/slow"):
            time.sleep(1.5)
            self.close_connection = True
            return  # the client gave up long ago
        if self.path.startswith("/moved"):
            self.send_response(302)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/chunked"):
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"5;x=y\r\n" + body[:5] + b"\r\n7\r\n" + body[5:] + b"\r\n0\r\n\r\n")
            return
        if self.path.startswith("/gzip"):
            body = gzip.compress(body)
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
        else:
            self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path.startswith("/cut"):
            self.wfile.write(body[:5])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def local_server() -> t.Iterator[str]:
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _get(url: str, query: str = "") -> requests.PreparedRequest:
    headers = {"User-Agent": "tap-twilio-test", "Accept": "application/json"}
    return HTTPBasicAuth("AC123", "s3cret")(http.prepare_get(url, query, headers))


def test_transport_sends_the_headers_requests_would_and_reuses_one_connection(local_server):
    transport = http.Transport(maxsize=2)
    for _ in range(5):
        response = transport.send(_get(local_server + "/ok", "PageSize=1000"), timeout=5)
        assert response.status_code == 200
        assert response.json() == {"keys": []}
        assert response.headers["content-type"] == "application/json"
    paths = {path for path, _, _ in _Recorder.seen}
    assert paths == {"/ok?PageSize=1000"}
    assert len({port for _, _, port in _Recorder.seen}) == 1  # one kept-alive connection
    _, headers, _ = _Recorder.seen[0]
    # What requests' Session would send for the same request, cookies and all.
    via_session = requests.Session().prepare_request(
        requests.Request(
            "GET",
            local_server + "/ok",
            params="PageSize=1000",
            headers={"User-Agent": "tap-twilio-test", "Accept": "application/json"},
            auth=HTTPBasicAuth("AC123", "s3cret"),
        )
    )
    sent = {k.lower(): v for k, v in headers.items() if k.lower() != "host"}
    assert sent == {k.lower(): v for k, v in via_session.headers.items()}
    assert sent["authorization"] == "Basic " + base64.b64encode(b"AC123:s3cret").decode()
    assert _get(local_server + "/ok", "PageSize=1000").url == via_session.url


def test_transport_reads_chunked_and_compressed_bodies(local_server):
    transport = http.Transport(maxsize=2)
    for path in ("/chunked", "/gzip", "/ok"):
        response = transport.send(_get(local_server + path), timeout=5)
        assert (response.status_code, response.json()) == (200, {"keys": []}), path
    assert len({port for _, _, port in _Recorder.seen}) == 1  # each left the connection usable


def test_transport_verifies_tls_certificates(tmp_path):
    """HTTPS through urllib3's connections: the CA bundle trusted, another refused."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    files = ["-keyout", str(key), "-out", str(cert)]
    names = ["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", *files, *names],
        check=True,
        capture_output=True,
    )
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"https://localhost:{server.server_address[1]}/ok"
        trusted = http.Transport(maxsize=2, ca_bundle=str(cert))
        for _ in range(2):
            assert trusted.send(_get(url), timeout=5).json() == {"keys": []}
        assert len({port for _, _, port in _Recorder.seen}) == 1
        with pytest.raises(requests.exceptions.SSLError):
            http.Transport(maxsize=2).send(_get(url), timeout=5)  # not in the default bundle
        with pytest.raises(requests.exceptions.SSLError):  # the name is not the certificate's
            trusted.send(_get(url.replace("localhost", "127.0.0.1")), timeout=5)
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("path", "error", "description"),
    [
        ("/cut", requests.exceptions.ChunkedEncodingError, "a truncated response"),
        ("/drop", requests.ConnectionError, "a dropped connection"),
    ],
)
def test_transport_failures_are_the_requests_exceptions(local_server, path, error, description):
    transport = http.Transport(maxsize=2)
    with pytest.raises(error) as caught:
        transport.send(_get(local_server + path), timeout=5)
    assert describe_transport_error(caught.value).startswith(description)
    assert not is_connect_failure(caught.value)


def test_transport_read_timeout_and_refused_connection(local_server):
    transport = http.Transport(maxsize=2)
    with pytest.raises(requests.ReadTimeout) as slow:
        transport.send(_get(local_server + "/slow"), timeout=0.3)
    assert describe_transport_error(slow.value, 0.3) == "a timeout (no answer within 0.3 s)"
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with pytest.raises(requests.ConnectionError) as refused:
        transport.send(_get(closed + "/ok"), timeout=2)
    assert is_connect_failure(refused.value)
    assert describe_transport_error(refused.value).startswith("a failed connection")


def test_transport_follows_a_redirect_through_requests(local_server):
    transport = http.Transport(maxsize=2)
    transport.fallback = requests.Session()
    response = transport.send(_get(local_server + "/moved"), timeout=5)
    assert response.status_code == 200
    assert [path for path, _, _ in _Recorder.seen] == ["/moved", "/moved", "/ok"]


def test_a_proxy_in_the_environment_keeps_requests(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    assert RunContext({"account_sid": "AC1"}).transport is None
    monkeypatch.delenv("HTTPS_PROXY")
    monkeypatch.delenv("https_proxy", raising=False)
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    monkeypatch.delenv("all_proxy", raising=False)
    assert isinstance(RunContext({"account_sid": "AC1"}).transport, http.Transport)


def test_a_request_timeout_is_retried(fresh_sandbox, no_sleep):
    sb = fresh_sandbox
    path = first_account_messages(sb)
    sb.inject(path, "delay", times=1, seconds=2.5)
    result = run_tap(sb.tap_config(request_timeout=1), streams=["messages"])
    assert {(r["sid"],) for r in result.records["messages"]} == expected_keys(sb, "messages")
    # The sandbox logs a request once answered: the one that timed out is not in its log.
    assert len(no_sleep) == 1  # one wait before the retry


def test_a_persistent_timeout_is_one_line(fresh_sandbox, tmp_path):
    sb = fresh_sandbox
    path = first_account_messages(sb)
    sb.inject(path, "delay", times=10, seconds=2.5)
    config = write_config(tmp_path, sb.tap_config(request_timeout=1, max_retries=1))
    proc = run_cli(["--config", str(config)])
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert re.fullmatch(
        rf"tap-twilio: error: Twilio API GET \S*{re.escape(path)} failed: a timeout "
        r"\(no answer within request_timeout\) \(still failing after max_retries retries\)",
        last,
    ), last
    assert sb.tap_config()["auth_token"] not in proc.stderr


@pytest.mark.parametrize(
    "head",
    [
        b"Content-Type: application/json\r\nContent-Length: 12\r\nX-Note:  a: b \r\n\r\n",
        b"Content-Length: 12\r\nX-Folded: one\r\n two\r\n\r\n",  # the email parser's
        b"Content-Length: 12\r\nBad Name: x\r\n\r\n",  # the email parser's
        b"Content-Length: 12\n\n",
    ],
)
def test_header_lines_parse_as_http_client_parses_them(head):
    lines = io.BytesIO(head + b"body").readlines()
    lines = lines[: next(i for i, line in enumerate(lines) if line in (b"\r\n", b"\n")) + 1]
    ours = wire.header_fields(lines)
    stdlib = http_client.parse_headers(io.BytesIO(head + b"body"))
    assert ours == stdlib.items()
    assert dict(ours).get("Content-Length") == stdlib.get("content-length") == "12"


def test_https_pools_verify_certificates(monkeypatch):
    transport = http.Transport(maxsize=3)
    pool, path = transport._pool("https://api.twilio.com/2010-04-01/Accounts.json?PageSize=2")
    assert path == "/2010-04-01/Accounts.json?PageSize=2"
    assert (pool.host, pool.port, pool.scheme) == ("api.twilio.com", 443, "https")
    assert pool.cert_reqs == "CERT_REQUIRED"
    assert pool.ca_certs == requests.utils.DEFAULT_CA_BUNDLE_PATH
    assert transport._pool("https://api.twilio.com/x")[0] is pool  # one pool per origin
    assert transport._pool("https://monitor.twilio.com/v1/Alerts")[0] is not pool
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/bundle.pem")
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    bundled = RunContext({"account_sid": "AC1"}).transport
    assert bundled is not None
    assert bundled._pool("https://api.twilio.com/")[0].ca_certs == "/etc/ssl/bundle.pem"


def test_a_sync_keeps_its_connections_alive(sandbox):
    before, logged = sandbox.connections, len(sandbox.requests)
    streams = ["accounts", "keys", "usage_triggers", "alerts", "conversation_services"]
    streams += ["messages", "calls", "queues", "addresses", "applications", "recordings"]
    result = run_tap(sandbox.tap_config(max_concurrent_requests=4), streams=streams)
    assert sum(len(r) for r in result.records.values()) > 0
    opened = sandbox.connections - before
    served = len(sandbox.requests) - logged
    assert served > 30
    # One pool per host (the sandbox is one host for every product): at most the requests
    # in flight, plus one for a connection the server closed after an error answer.
    assert 1 <= opened <= 4 + 1, (opened, served)


#: The instant both first requests of a list are built at (time-machine, not ticking).
FIRST_REQUESTS_AT = dt.datetime(2026, 6, 15, 16, 30, 0, 999_000, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    ("stream", "subaccount"),
    [
        ("messages", False),  # a date window from start_date
        ("usage_triggers", False),  # extra_params
        ("keys", True),
        ("alerts", False),  # a product API
        ("alerts", True),  # with the subaccount's own credentials
    ],
)
def test_first_requests_are_the_sdks(sandbox, stream, subaccount):
    """The fast path's first request of a list is the one the SDK's builder prepares."""
    from tap_twilio.api.pagination import TwilioPaginator
    from tap_twilio.engine.context import run_of
    from tap_twilio.engine.fast_path import first_page_request
    from tap_twilio.tap import TapTwilio

    config = sandbox.tap_config(start_date="2024-01-02T03:04:05Z")
    tap = TapTwilio(config=config, validate_config=False)
    account = sandbox.active_accounts[1 if subaccount else 0]
    run_of(tap).remember_token(account["sid"], account["auth_token"])
    target = tap.streams[stream]
    context = {"account_sid": account["sid"]}
    # A window ends "now" (alerts' EndDate, to the second): both requests are built at one
    # pinned instant, or they differ whenever a second boundary falls between them.
    with time_machine.travel(FIRST_REQUESTS_AT, tick=False):
        ours = first_page_request(target, context)
        sdks = target._prepare_request(context=context, page=TwilioPaginator(target.url_base))
    assert (ours.method, ours.url, ours.body) == (sdks.method, sdks.url, sdks.body)
    if stream == "alerts":  # the pin reached the window (else the test proves less)
        assert "EndDate=2026-06-15T16%3A30%3A00Z" in ours.url, ours.url
    assert dict(ours.headers) == dict(sdks.headers)
    if subaccount and stream == "alerts":
        token = base64.b64encode(f"{account['sid']}:{account['auth_token']}".encode())
        assert ours.headers["Authorization"] == "Basic " + token.decode()


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json",
            {"DateSent>": "2024-01-02"},
        ),
        ("https://api.twilio.com/x.json", {"To": "+1 555 0100", "Status": "in-progress"}),
        ("https://api.twilio.com/x.json?Page=2", {"PageSize": 50}),
        ("https://api.twilio.com/a b/ü.json", {}),  # requests quotes it: prepared by requests
        ("http://127.0.0.1:9/api/x.json", {"PageSize": 1000}),
    ],
)
def test_prepared_urls_are_the_ones_requests_prepares(url, params):
    query = urlencode(params)
    ours = http.prepare_get(url, query, {})
    theirs = requests.Request("GET", url, params=query).prepare()
    assert ours.url == theirs.url


TLS_STREAMS = ["accounts", "messages", "calls", "conversations", "monitor_events"]


def test_a_sync_over_https_as_twilio_serves_equals_one_over_http(monkeypatch):
    """Twilio's API is HTTPS only: the sandbox serves it too (``Sandbox(tls=True)``), and the
    tap, given the sandbox's certificate as its CA bundle, reads the same records."""
    from twilio_sandbox import TLS_CERT, Sandbox

    now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.timezone.utc)
    with Sandbox(seed=4, now=now) as plain:
        over_http = run_tap(plain.tap_config(), streams=TLS_STREAMS)
        plain_url = plain.url
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", TLS_CERT)
    with Sandbox(seed=4, now=now, tls=True) as sb:
        config = sb.tap_config()
        assert config["base_url"].startswith("https://127.0.0.1:")
        over_https = run_tap(config, streams=TLS_STREAMS)
        served = [r for r in sb.requests if r.status == 200]
        tls_url = sb.url
    assert over_https.records["messages"] and len(served) > 10
    # Records name their own URLs (links, uri): the sandboxes' addresses differ.
    same = json.dumps(over_https.records, sort_keys=True).replace(tls_url, "<sandbox>")
    assert same == json.dumps(over_http.records, sort_keys=True).replace(plain_url, "<sandbox>")


def test_a_certificate_the_tap_does_not_trust_is_one_line_and_a_failure(tmp_path, monkeypatch):
    from twilio_sandbox import Sandbox

    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with Sandbox(seed=4, tls=True) as sb:
        config = sb.tap_config()
        result = run_cli(["--config", str(write_config(tmp_path, config))])
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    assert config["auth_token"] not in result.stderr + result.stdout
    assert "certificate verify failed" in lines[-1], lines[-3:]
