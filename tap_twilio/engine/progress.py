"""Progress a person can read: one line at most every 30 s, one summary line per stream.

During a sync a background thread logs, at INFO, at most every ``PROGRESS_SECONDS``::

    Progress: 0:01:30 elapsed, accounts 120 of 205, 18,204 records, 4,410 requests
    (12 answered 429), 49.0 requests/s

and at the end one line per stream that made requests or wrote records::

    Stream messages: 20,619 records, 23 requests, 2.41 s waiting for Twilio

Only counts, stream names and durations are logged: never a SID with its token, a URL's
credentials or a header. ``TAP_TWILIO_PROGRESS_SECONDS`` sets the interval (tests use a
fraction of a second).

The SDK's own per-request and per-list lines (``METRIC: … http_request_duration``,
"Beginning sync of …") would add several lines per account and list: by default they are
kept below INFO (see :func:`quiet_sdk_lines`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
import typing as t
from collections import Counter, defaultdict

if t.TYPE_CHECKING:
    import requests

    from tap_twilio.engine.fetcher import ListSource

#: Seconds between two progress lines (``TAP_TWILIO_PROGRESS_SECONDS`` overrides).
PROGRESS_SECONDS = 30.0
#: Set to INFO (or DEBUG) to get the SDK's metric lines back on the console.
METRICS_LEVEL_ENV = "TAP_TWILIO_METRICS_LOGLEVEL"
#: INFO lines the SDK writes once per list and account; shown again at DEBUG.
PER_LIST_LINES = ("Beginning sync of ", "Starting incremental sync of ")
#: INFO lines the SDK's tap writes once per stream while setting up (335 child streams, a
#: deselected stream each): shown again at DEBUG.
SETUP_LINES = ("Added '", "Skipping deselected stream '")
#: The SDK's once-per-partition warning that an unsorted list's progress is not resumable:
#: every Twilio list here is read unsorted by design (the bookmark is the largest value
#: seen, written when a list is done), so it says nothing a user can act on.
UNSORTED_LINE = "Stream is assumed to be unsorted"


def progress_seconds() -> float:
    """The interval between progress lines."""
    try:
        return max(0.05, float(os.environ.get("TAP_TWILIO_PROGRESS_SECONDS", PROGRESS_SECONDS)))
    except ValueError:
        return PROGRESS_SECONDS


class Progress:
    """Counts what a sync did and logs it; fed by the fetcher and the record writer."""

    def __init__(
        self,
        logger: logging.Logger,
        records: Counter,
        interval: float | None = None,
    ) -> None:
        self.logger = logger
        self.records = records  # per stream, counted by the writer
        self.interval = progress_seconds() if interval is None else interval
        self.started = time.monotonic()
        self.requests: Counter = Counter()  # per stream, retries included
        self.seconds: defaultdict[str, float] = defaultdict(
            float
        )  # per stream: time spent waiting for responses
        self.throttled = 0
        self.accounts_listed = 0
        self.accounts_complete = False  # every page of Accounts.json read
        self.accounts_started = 0
        self._account: str | None = None
        self._finished = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last = (self.started, 0)

    # Fed by the fetcher ----------------------------------------------------------------

    def request_done(self, stream: str, seconds: float) -> None:
        """One request (or retry) finished."""
        with self._lock:
            self.requests[stream] += 1
            self.seconds[stream] += seconds

    def answered_429(self) -> None:
        """Twilio answered 429."""
        with self._lock:
            self.throttled += 1

    def list_started(self, stream: ListSource, context: t.Mapping | None) -> None:
        """The SDK starts writing a list (in its order: account after account)."""
        account = (context or {}).get("account_sid")
        if account and account != self._account:
            self._account = account
            self.accounts_started += 1

    def page_read(self, stream: ListSource, response: requests.Response, last: bool) -> None:
        """The SDK reads a page; pages of Accounts.json give the number of accounts."""
        if stream.name != "accounts":
            return
        wanted = getattr(stream, "_wanted", None)
        rows = [row for row in stream.parse_response(response) if isinstance(row, dict)]
        if wanted is not None:
            rows = [row for row in rows if wanted(str(row.get("sid", "")))]
        self.accounts_listed += len(rows)
        self.accounts_complete = last

    # Lines ----------------------------------------------------------------------------

    def line(self, prefix: str = "Progress") -> str:
        """The progress line (counts only: no SID, URL or secret)."""
        now = time.monotonic()
        with self._lock:
            requests = sum(self.requests.values())
            throttled = self.throttled
        last_time, last_requests = self._last
        self._last = (now, requests)
        rate = (requests - last_requests) / (now - last_time) if now > last_time else 0.0
        elapsed = dt.timedelta(seconds=round(now - self.started))
        # Accounts are read one after the other: all but the current one are done.
        done = self.accounts_listed if self._finished else max(0, self.accounts_started - 1)
        total = f"{self.accounts_listed:,}" + ("" if self.accounts_complete else "+")
        records = sum(self.records.values())
        return (
            f"{prefix}: {elapsed} elapsed, accounts {done:,} of {total}, {records:,} records, "
            f"{requests:,} requests ({throttled:,} answered 429), {rate:,.1f} requests/s"
        )

    def start(self) -> None:
        """Log a line every ``interval`` seconds until :meth:`stop`."""
        self._thread = threading.Thread(target=self._run, name="twilio-progress", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.logger.info("%s", self.line())

    def stop(self, *, completed: bool) -> None:
        """Stop the periodic lines; after a completed sync, log the summary lines."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if not completed:
            return
        self._finished = True
        self._last = (self.started, 0)  # the rate over the whole run
        self.logger.info("%s", self.line("Sync finished"))
        with self._lock:
            names = sorted(set(self.requests) | {n for n, c in self.records.items() if c})
            for name in names:
                self.logger.info(
                    "Stream %s: %s records, %s requests, %.2f s waiting for Twilio",
                    name,
                    f"{self.records.get(name, 0):,}",
                    f"{self.requests.get(name, 0):,}",
                    self.seconds.get(name, 0.0),
                )


class _PerListLines(logging.Filter):
    """Drops the SDK's once-per-list lines unless the logger shows DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not isinstance(record.msg, str):
            return True
        per_list = record.levelno == logging.INFO and record.msg.startswith(
            (*PER_LIST_LINES, *SETUP_LINES)
        )
        unsorted = record.levelno == logging.WARNING and record.msg.startswith(UNSORTED_LINE)
        if not (per_list or unsorted):
            return True
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)

    def drops(self, logger: logging.Logger, level: int, message: str) -> bool:
        """Whether a per-list line of ``logger`` would be dropped (so it need not be made)."""
        return (
            level == logging.INFO
            and message.startswith(PER_LIST_LINES)
            and not logger.isEnabledFor(logging.DEBUG)
        )


_FILTER = _PerListLines()


def quiet_setup_lines(tap_logger: logging.Logger) -> None:
    """Keep the SDK's per-stream set-up lines (child streams, deselected streams) off INFO."""
    if _FILTER not in tap_logger.filters:
        tap_logger.addFilter(_FILTER)


def quiet_sdk_lines(
    metrics_logger: logging.Logger, stream_loggers: t.Iterable[logging.Logger]
) -> None:
    """Keep the SDK's per-request metric lines and per-list lines off INFO by default.

    Metric lines come back with ``TAP_TWILIO_METRICS_LOGLEVEL=INFO`` (or a logging config
    in ``SINGER_SDK_LOG_CONFIG`` that routes the ``singer_sdk.metrics`` logger, e.g. to a
    file); ``TAP_TWILIO_LOGLEVEL=DEBUG`` shows both kinds again.
    """
    level = os.environ.get(METRICS_LEVEL_ENV)
    if level:
        metrics_logger.setLevel(level.upper())
    elif "SINGER_SDK_LOG_CONFIG" not in os.environ and not metrics_logger.isEnabledFor(
        logging.DEBUG
    ):
        metrics_logger.setLevel(logging.WARNING)
    for logger in (logging.getLogger("singer_sdk"), *stream_loggers):
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
