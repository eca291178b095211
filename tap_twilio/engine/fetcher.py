"""Bounded parallel fetching of Twilio pages, consumed in the SDK's sequential order.

The SDK syncs streams, accounts and child lists one after the other, so a sync is bound by
latency. The fetcher reads ahead instead: as soon as a page of parent records is known,
the lists it implies (a message's media, an account's calls, a workspace's events …) are
queued as *jobs*, and a pool of worker threads fetches their pages while the SDK is still
writing earlier records. Records are still produced by the SDK in its usual, deterministic
order, so STATE messages never claim a record that has not been written.

* A job is one list (stream + context); its pages are fetched one after the other.
* Jobs are served by priority: their position in the depth-first order the SDK will read
  them in, so what is needed next is fetched first.
* At most ``max_concurrent_requests`` requests are in flight. Twilio answers 429 (error
  20429) when an account has more requests in flight than it allows, and publishes no
  number: a 429 lowers the requests allowed in flight (a fractional level) to ``DECREASE``
  (3/4) of it, and the request is retried after a pause of about one response time (not
  seconds of backoff). Successes raise the level by ``REGROWTH`` (2) a round (a round: as
  many successes as requests allowed): additive increase, multiplicative decrease, so a
  limit is held to within a few percent, a raised one is found, and shards sharing one
  limit converge to equal shares (docs/sharding.md).
* ``Retry-After`` is waited for by the request that got it only: a worker sleeping on it
  does not count against the workers, so the other requests go on.
* Child lists are queued as soon as a page of their parents arrives (``page_fetched``, in
  the worker), not when the SDK gets to that page: a fleet's accounts each have lists of
  lists (addresses and their numbers, queues and their members …), and queuing them only
  when the SDK writes their parents left the workers idle while the SDK waited for each.
* Read-ahead is bounded: each job keeps at most ``PAGES_AHEAD`` unread pages, and all jobs
  together at most ``BUFFER_BYTES`` of unread response bodies, so memory stays flat.
"""

from __future__ import annotations

import heapq
import itertools
import random
import sys
import threading
import time
import typing as t
from collections import deque

import requests

from tap_twilio.api.errors import AccountRefusedError
from tap_twilio.engine import fast_path

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class _Refusals(t.Protocol):
    def refused(self, account: str | None, answer: str) -> None: ...


class ListSource(t.Protocol):
    """What the fetcher needs of a stream (``tap_twilio.engine.client.TwilioStream``)."""

    @property
    def name(self) -> str:
        """The stream's name."""

    @property
    def run(self) -> _Refusals:
        """The run's context (notes refused subaccounts)."""

    def first_request(self, context: Context | None) -> requests.PreparedRequest | None:
        """The list's first page request (None: nothing to read)."""

    def next_request(
        self, request: requests.PreparedRequest, response: requests.Response
    ) -> requests.PreparedRequest | None:
        """The request of the page after ``response`` (None: the last page)."""

    def wants(self, context: Context | None) -> bool:
        """Whether the list is still to be read (its account may have been refused)."""

    def list_contexts(self, context: Context | None) -> list[Context | None]:
        """The reads of the list a run makes for a context (the first is ``context``)."""

    def children_filter(self, context: Context | None) -> t.Callable[[dict], bool] | None:
        """Which records of this read are emitted, told in a worker (None: not there)."""

    def request_decorator(self, func: t.Callable) -> t.Callable:
        """The SDK's retrying wrapper around one request."""

    def parse_response(self, response: requests.Response) -> t.Iterable[dict]:
        """The records of a page."""

    def page_fetched(self, job: Job, response: requests.Response) -> None:
        """A page arrived (worker thread, before the SDK sees it): queue its child lists."""


#: Priority of a list's further reads (``also_read``) after every child of its first one.
LATER_READS = sys.maxsize
#: Lists queued and not started (each with its first request built), at most: further
#: lists named by fetched pages wait as one entry per parent record, so a fleet of
#: thousands of accounts is not held as jobs at once. Lists fetched and not read yet are
#: bounded by ``BUFFER_BYTES``; counting them here would let lists needed late fill the
#: window while the children the SDK needs next wait behind them.
LISTS_AHEAD = 1024
BUFFER_BYTES = 48 * 1024 * 1024
#: What an unread response costs besides its body (the objects around it), for
#: ``BUFFER_BYTES``: thousands of small pages of empty lists are not free.
RESPONSE_BYTES = 4096
PAGES_AHEAD = 32
IDLE_SECONDS = 2.0
#: Levels regained a round (as many successes as requests allowed) after a 429, at most a
#: third of the level.
REGROWTH = 2.0
#: What a 429 leaves of the level. With half a level a round and cuts of an eighth (#17's
#: first AIMD rule), shards sharing a limit drifted apart for tens of seconds: at 8
#: requests each, an eighth is one request for both however unequal they are, and only
#: cuts that differ (and come often) even them out (docs/sharding.md).
DECREASE = 3 / 4
#: Response time assumed before any response was seen (seconds).
FIRST_RESPONSE_SECONDS = 0.1
#: Longest pause after a 429 without Retry-After (seconds).
MAX_PAUSE_SECONDS = 5.0


#: A parent named by a fetched page: (priority, its children's context, [(index, child)]).
Named = tuple[tuple, "Context", t.Sequence[tuple[int, ListSource]]]


class Job:
    """One list to read: its pages in order, fetched by workers, read by the SDK."""

    def __init__(self, stream: ListSource, context: Context | None, priority: tuple) -> None:
        self.stream = stream
        self.context = context
        self.priority = priority
        self.next_request: requests.PreparedRequest | None = stream.first_request(context)
        self.pages: deque[requests.Response] = deque()
        self.error: BaseException | None = None
        self.done = False
        self.queued = False
        self.fetching = False
        self.children_ordinal = 0
        #: Which records the SDK will emit, for the worker that names their child lists.
        self.children_filter: t.Callable[[dict], bool] | None = None
        if self.next_request is None:
            self.done = True
        else:
            self.children_filter = stream.children_filter(context)


class Fetcher:
    """A pool of workers shared by every stream of a tap."""

    def __init__(self, max_concurrency: int) -> None:
        self.max_concurrency = max(1, max_concurrency)
        self.allowed = self.max_concurrency  # requests allowed in flight: ``int(level)``
        self.level = float(self.max_concurrency)  # fractional, so that cuts are proportional
        self.in_flight = 0
        self._answers = 0  # responses so far (refused tries wait for the next one)
        self._awaiting = 0  # refused tries waiting for an answer
        self._epoch = 0  # decreases so far: a 429 to a request sent before the last is ignored
        self._served = True  # a request succeeded since the last decrease
        # One lock, three conditions, so that each event wakes only the threads it concerns
        # (waking every thread on every event cost more CPU than the requests themselves).
        self._lock = threading.Lock()
        self._jobs_ready = threading.Condition(self._lock)  # workers: a job to fetch
        self._slots = threading.Condition(self._lock)  # attempts: a request slot is free
        self._pages = threading.Condition(self._lock)  # the consumer: a page, an end
        self._heap: list[tuple[tuple, int, Job]] = []
        self._parked: set[Job] = set()
        self._jobs: dict[tuple, Job] = {}
        self._seq = itertools.count()
        self._workers = 0
        self._idle = 0
        self._sleeping = 0  # workers waiting out a Retry-After or a backoff
        self._active = 0  # workers holding a job, not asleep: at most ``allowed`` take one
        self._local = threading.local()  # per thread: requests in flight when it sent
        self._response_seconds = FIRST_RESPONSE_SECONDS  # moving average
        self.buffered = 0
        self.waiting_for: Job | None = None
        #: Parents named by pages the workers fetched, with their child streams, for the
        #: SDK's thread to queue (a list's first request reads the state, which only that
        #: thread touches), a window at a time: a heap by priority.
        self._named: list[tuple[tuple, int, Context, t.Sequence[tuple[int, ListSource]]]] = []
        #: Lists the SDK read while named lists waited (not to be queued after).
        self._read_early: set[tuple] = set()
        #: Told of requests, 429s, lists and pages (tap_twilio.engine.progress.Progress).
        self.observer: t.Any = None
        #: Each stream's request attempt wrapped in its retries (``_fetch``).
        self._retrying: dict[ListSource, t.Callable[..., requests.Response]] = {}

    @property
    def parallel(self) -> bool:
        """Whether pages are read ahead by worker threads."""
        return self.max_concurrency > 1

    # Consumer side (the SDK's thread) -------------------------------------------------

    def submit(self, stream: ListSource, context: Context | None, priority: tuple) -> None:
        """Queue a list for reading ahead (no-op when it is queued already, or sequential)."""
        if not self.parallel:  # max_concurrent_requests 1: the SDK's thread fetches alone
            return
        key = _job_key(stream, context)
        with self._lock:
            if key in self._jobs:
                return
        job = Job(stream, context, priority)
        with self._lock:
            self._jobs[key] = job
            if not job.done:
                self._enqueue(job)

    def submit_reads(self, stream: ListSource, context: Context | None, priority: tuple) -> None:
        """Queue a list and the further reads the run makes of it (``list_contexts``).

        The further reads (another status of video rooms, the open conversations) were
        queued only when the SDK started the list: one response time per account.
        """
        reads = stream.list_contexts(context)
        self.submit(stream, context, priority)
        for k, later in enumerate(reads[1:]):
            self.submit(stream, later, (*priority, LATER_READS, k))

    def pages(
        self, stream: ListSource, context: Context | None, priority: tuple
    ) -> t.Iterator[tuple[Job, requests.Response]]:
        """The pages of a list, in order (read ahead when a job exists, else fetched now)."""
        observer = self.observer
        if observer is not None:
            observer.list_started(stream, context)
        key = _job_key(stream, context)
        with self._lock:
            job = self._jobs.pop(key, None)
            if job is None and self._named:  # perhaps named and not queued yet: never after
                self._read_early.add(key)
        if job is None:
            job = Job(stream, context, priority)
            if self.parallel and not job.done:
                with self._lock:
                    self._enqueue(job)
        if not self.parallel:
            for page in self._inline_pages(job):
                if observer is not None:
                    observer.page_read(stream, page[1], job.next_request is None)
                yield page
            return
        while True:
            with self._lock:
                while not job.pages and not job.done and not self._queue_due():
                    self.waiting_for = job
                    if job in self._parked:
                        self._enqueue(job)
                    self._pages.wait()
                self.waiting_for = None
                due = self._queue_due()
                if not due:
                    if job.pages:
                        response = job.pages.popleft()
                        self.buffered -= len(response.content or b"") + RESPONSE_BYTES
                        self._enqueue(job)
                        self._release_parked()
                    elif job.error is not None:
                        raise job.error
                    else:
                        return
                    last = job.done and not job.pages
            if due:
                self._queue_named()
                continue
            if observer is not None:
                observer.page_read(stream, response, last)
            yield job, response

    def discovered(self, named: t.Sequence[Named]) -> None:
        """Parents a worker found in a page it fetched, with their child streams.

        Each is ``(priority, child context, [(index, child stream), ...])``: the lists are
        queued by the SDK's thread (``_queue_named``), in priority order, while fewer than
        ``LISTS_AHEAD`` lists are queued and not started.
        """
        if named:
            with self._lock:
                for prefix, context, children in named:
                    heapq.heappush(self._named, (prefix, next(self._seq), context, children))
                self._pages.notify_all()

    def _queue_due(self) -> bool:
        """Named lists wait and fewer than ``LISTS_AHEAD`` are queued (under the lock)."""
        return bool(self._named) and len(self._heap) + len(self._parked) < LISTS_AHEAD

    def _queue_named(self) -> None:
        """Queue named lists, first needed first, up to ``LISTS_AHEAD`` (the SDK's thread).

        A list the SDK read before it was queued here (it outran the window) is not queued
        again: it would be fetched and never read.
        """
        while True:
            with self._lock:
                if not self._queue_due():
                    return
                prefix, _, context, children = heapq.heappop(self._named)
            for index, child in children:
                if not child.wants(context):
                    continue
                key = _job_key(child, context)
                if key in self._read_early:
                    self._read_early.discard(key)
                    continue
                self.submit_reads(child, dict(context), (*prefix, index))
            with self._lock:
                if not self._named:
                    self._read_early.clear()

    def _inline_pages(self, job: Job) -> t.Iterator[tuple[Job, requests.Response]]:
        while job.next_request is not None:
            response = self._fetch(job)
            yield job, response

    # Worker side -----------------------------------------------------------------------

    def _enqueue(self, job: Job, *, wake: bool = True) -> None:
        """Put a job in the heap, unless it is there, being fetched or finished.

        One job must never be in the heap twice: two workers would fetch the same page.
        """
        if job.queued or job.fetching or job.done:
            return
        self._parked.discard(job)
        job.queued = True
        heapq.heappush(self._heap, (job.priority, next(self._seq), job))
        if wake and self._idle:
            self._jobs_ready.notify()
        self._spawn_if_needed()

    def _spawn_if_needed(self) -> None:
        """More queued jobs than idle workers to take them: start another worker.

        Workers asleep on a Retry-After (or a backoff) do not count: the others go on.
        """
        if len(self._heap) > self._idle and self._workers - self._sleeping < self.max_concurrency:
            self._workers += 1
            threading.Thread(target=self._work, name="twilio-fetch", daemon=True).start()

    def _release_parked(self) -> None:
        # Parked at BUFFER_BYTES, released a quarter below: released at once, every page
        # read moved each parked job back to the heap and a worker parked it again.
        if self._parked and self.buffered < BUFFER_BYTES - BUFFER_BYTES // 4:
            parked, self._parked = self._parked, set()
            for job in parked:
                self._enqueue(job)

    def _next_job(self) -> Job | None:
        """Wait for a job this worker may fetch a page of (None: idle, exit)."""
        while True:
            while (
                self._heap
                and self.buffered >= BUFFER_BYTES
                and self._heap[0][2] is not self.waiting_for
            ):
                _, _, job = heapq.heappop(self._heap)
                job.queued = False
                self._parked.add(job)
            # No more workers hold jobs than requests may be in flight: the jobs needed
            # first get the free slots, instead of every worker taking a job and waiting.
            if self._heap and self._active < self.allowed:
                _, _, job = heapq.heappop(self._heap)
                job.queued = False
                self._active += 1
                self._local.counted = True
                return job
            self._idle += 1
            notified = self._jobs_ready.wait(timeout=IDLE_SECONDS)
            self._idle -= 1
            if not notified and not self._heap:
                return None

    def _work(self) -> None:
        done: tuple[Job, requests.Response | None] | None = None
        while True:
            with self._lock:
                if done is not None:
                    self._finished(*done)
                job = self._next_job()
                if job is None:
                    self._workers -= 1
                    return
                job.fetching = True
                if self._idle and self._heap and self._active < self.allowed:
                    self._jobs_ready.notify()  # more to fetch than this worker takes
            try:
                response: requests.Response | None = None
                if job.stream.wants(job.context):
                    response = self._fetch(job)
                else:  # its account was refused since the job was queued: no request
                    job.next_request = None
            except BaseException as exc:
                response = None
                job.error = exc
                job.next_request = None
                if isinstance(exc, AccountRefusedError):
                    job.stream.run.refused((job.context or {}).get("account_sid"), str(exc))
            if response is not None:
                # Before the page is visible to the SDK: its children are queued (or not)
                # before the SDK could start reading any of them.
                job.stream.page_fetched(job, response)
            done = (job, response)

    def _finished(self, job: Job, response: requests.Response | None) -> None:
        """A worker's page is in (under the lock): the SDK may read it, the list goes on.

        The worker takes its next job itself, in the same hold of the lock: no idle worker
        is woken for the place it frees or the page after (each such wake-up, a thread
        switch, found the job taken: about one a request).
        """
        job.fetching = False
        self._release_active(wake=False)
        if response is not None:
            job.pages.append(response)
            self.buffered += len(response.content or b"") + RESPONSE_BYTES
        if job.next_request is None:
            job.done = True
        elif len(job.pages) < PAGES_AHEAD:
            self._enqueue(job, wake=False)
        if self.waiting_for is job or self._queue_due():
            # The SDK's thread waits for this list, or may queue named lists: woken for
            # every page, it woke ~once per request for nothing.
            self._pages.notify()

    def _release_active(self, *, wake: bool = True) -> None:
        """This worker no longer holds a job (or sleeps): another may take one."""
        if getattr(self._local, "counted", False):
            self._local.counted = False
            self._active -= 1
            if wake and self._idle:
                self._jobs_ready.notify()

    def _fetch(self, job: Job) -> requests.Response:
        """Fetch the job's next page (with the stream's retries) and line up the one after."""
        request = job.next_request
        assert request is not None
        stream = job.stream

        def attempt(
            prepared: requests.PreparedRequest, context: Context | None
        ) -> requests.Response:
            # Every attempt, retries included, waits for a free slot: after a 429 fewer
            # requests are in flight, not just fewer new lists started.
            local = self._local
            with self._lock:
                if getattr(local, "sleeping", False):
                    local.sleeping = False
                    self._sleeping -= 1
                    if getattr(local, "resume", False):
                        local.resume = False
                        local.counted = True
                        self._active += 1
                # A try refused with 429 goes again once another request of this process
                # was answered (a place of its own came free), not when its pause ends:
                # pauses end at random times, and with the limit held they met a full one.
                refused_at = getattr(local, "refused_at", None)
                if refused_at is not None:
                    self._awaiting += 1
                while self.in_flight >= self.allowed or (
                    refused_at == self._answers and self.in_flight > 0
                ):
                    self._slots.wait()
                if refused_at is not None:
                    self._awaiting -= 1
                    local.refused_at = None
                self.in_flight += 1
                local.level = self.in_flight  # what ``throttled`` cuts from
                local.full = self.in_flight >= self.allowed
                local.epoch = self._epoch
            started = time.monotonic()
            try:
                return fast_path.send(stream, prepared, context)
            except requests.RequestException as exc:
                if exc.request is None:  # e.g. a body cut short: name the request anyway
                    exc.request = prepared
                raise
            finally:
                elapsed = time.monotonic() - started
                with self._lock:
                    self.in_flight -= 1
                    self._answers += 1
                    if getattr(local, "refused", False):
                        local.refused = False
                        local.refused_at = self._answers
                    self._response_seconds += (elapsed - self._response_seconds) / 16
                    if self._awaiting:  # refused tries wait for any answer: wake them all
                        self._slots.notify_all()
                    else:
                        self._slots.notify()
                if self.observer is not None:
                    self.observer.request_done(stream.name, elapsed)

        # The SDK's retrying wrapper (``backoff``) costs more CPU per call than a small
        # page's exchange: the first try is made without it, and only a failure enters it,
        # replayed as its first try, so the tries, waits and log lines are the wrapper's.
        failed: list[Exception] = []
        try:
            response = attempt(request, job.context)
        except Exception as exc:  # the wrapper retries it or raises it again
            failed.append(exc)
        if failed:  # outside the except: a later try's error is not chained to this one
            retrying = self._retrying.get(stream)
            if retrying is None:

                def replaying(
                    prepared: requests.PreparedRequest,
                    context: Context | None,
                    failed: list[Exception],
                ) -> requests.Response:
                    if failed:  # the first try, made before the wrapper: its failure, once
                        raise failed.pop()
                    return attempt(prepared, context)

                # ``attempt`` depends on the fetcher and the stream only: built once a stream.
                retrying = self._retrying[stream] = stream.request_decorator(replaying)
            response = retrying(request, job.context, failed)
        job.next_request = stream.next_request(request, response)
        return response

    # Rate adaptation -------------------------------------------------------------------

    def throttled(self) -> None:
        """Twilio answered 429: allow a quarter fewer.

        More than Twilio's limit were in flight then (20429: "your account exceeds allowed
        concurrency"). When the refused request took this process's last free slot, the
        level is cut; when fewer were in flight than allowed, the limit left this process
        only those, and the cut is from them (at the start, a level of 32 comes down to
        the limit at once). The level is fractional and the cut proportional, and every
        process regrows at the same pace (``succeeded``): additive increase,
        multiplicative decrease, so shards sharing one account's limit converge to equal
        shares whatever their levels.
        """
        if self.observer is not None:
            self.observer.answered_429()
        self._local.refused = True  # its next try waits for another answer (``_fetch``)
        with self._lock:
            if getattr(self._local, "epoch", self._epoch) < self._epoch or not self._served:
                # Sent before the last decrease (one burst lowers it once), or nothing was
                # served since: the limit is held by others (shards), and a process that
                # gave way again on each refusal fell to one while another held the rest.
                return
            self._served = False
            if getattr(self._local, "full", True):
                level = self.level * DECREASE
            else:
                sent_at = getattr(self._local, "level", None) or self.allowed
                level = min(self.level, sent_at) * DECREASE
            self._set_level(max(1.0, level))
            self._epoch += 1

    def _set_level(self, level: float) -> None:
        self.level = level
        self.allowed = max(1, int(level + 1e-9))

    def retry_pause(self, attempt: int) -> float:
        """Seconds to wait before retrying a 429 that has no Retry-After.

        About one response time (a slot frees up about that often), with jitter, doubling
        on each further 429 of the same request up to ``MAX_PAUSE_SECONDS``.
        """
        base = max(0.005, self._response_seconds)
        return min(MAX_PAUSE_SECONDS, base * 2 ** min(attempt, 8) * random.uniform(0.5, 1.5))

    def sleeping(self) -> None:
        """This thread is about to wait before a retry: let another worker take its place."""
        local = self._local
        with self._lock:
            if not getattr(local, "sleeping", False):
                local.sleeping = True
                self._sleeping += 1
                if getattr(local, "counted", False):
                    local.resume = True
                    self._release_active()
                self._spawn_if_needed()

    def succeeded(self) -> None:
        """A request succeeded: after a 429, regrow ``REGROWTH`` levels a round (at most a third).

        A round is as many successes as requests allowed (about one response time), so
        every process sharing a limit regrows at the same pace whatever its level, and a
        raised limit is found within rounds.
        """
        with self._lock:
            self._served = True
            if self.level >= self.max_concurrency:
                return
            before = self.allowed
            # A round regrows REGROWTH levels, or a third of the level if that is less (two
            # more at a level of two would be refused as often as served).
            step = min(REGROWTH, self.level / 3) / self.level
            self._set_level(min(float(self.max_concurrency), self.level + step))
            if self.allowed > before:
                self._slots.notify()
                if self._idle:
                    self._jobs_ready.notify()


def _job_key(stream: ListSource, context: Context | None) -> tuple:
    return (stream.name, tuple(sorted((context or {}).items())))
