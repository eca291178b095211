"""Fault injection: random faults with rates, scripted faults, product denial, concurrency cap."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

#: Kinds accepted by ``Sandbox.inject``.
FAULT_KINDS = (
    "429",
    "500",
    "503",
    "drop",
    "truncate",
    "html502",
    "non_json",
    "missing_key",
    "unknown_envelope",
    "401",
    "403",
    "404",
    "delay",
)


@dataclass
class Faults:
    """Mutable fault settings (``sandbox.faults``); all rates are probabilities in [0, 1].

    Attributes:
        latency: Seconds added to every response.
        rate_429: Share of requests answered 429 (code 20429); half of them carry a
            ``Retry-After: <retry_after>`` header, half none.
        retry_after: Value of the Retry-After header of random 429s (seconds).
        rate_5xx: Share answered 500 or 503 (Twilio error body).
        rate_drop: Share whose connection is closed without any response.
        rate_truncate: Share sent with the full Content-Length but half the body.
        max_in_flight: When set, requests beyond this many concurrent ones get 429.
        seed: Seed of the fault RNG (setting it restarts the random sequence).
    """

    latency: float = 0.0
    rate_429: float = 0.0
    retry_after: float | None = 1
    rate_5xx: float = 0.0
    rate_drop: float = 0.0
    rate_truncate: float = 0.0
    max_in_flight: int | None = None
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False, compare=False)
    _lock: threading.Lock = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lock", threading.Lock())
        object.__setattr__(self, "_rng", random.Random(f"faults:{self.seed}"))

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name == "seed" and hasattr(self, "_lock"):
            with self._lock:
                object.__setattr__(self, "_rng", random.Random(f"faults:{value}"))

    def reset(self) -> None:
        """Disable every random fault and latency (keeps the seed)."""
        self.latency = 0.0
        self.rate_429 = self.rate_5xx = self.rate_drop = self.rate_truncate = 0.0
        self.max_in_flight = None

    def draw(self) -> tuple[float, float]:
        """Two deterministic random numbers (fault choice, fault variant)."""
        with self._lock:
            return self._rng.random(), self._rng.random()


@dataclass
class Injection:
    """A scripted fault: the next ``times`` requests whose path contains ``match``."""

    match: str
    kind: str
    times: int
    opts: dict[str, Any]


@dataclass
class Action:
    """What to do instead of (or on top of) a normal response."""

    kind: str
    opts: dict[str, Any] = field(default_factory=dict)
    source: str = "scripted"  # scripted | random | concurrency


class FaultEngine:
    """Decides, per request, which fault (if any) applies."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._lock = threading.Lock()
        self._injections: list[Injection] = []
        self.denied: dict[str, int] = {}
        self.in_flight = 0

    # ------------------------------------------------------------------ control

    def inject(self, match: str, kind: str, times: int = 1, **opts: Any) -> None:
        """Queue a scripted fault."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._injections.append(Injection(match, kind, times, dict(opts)))

    def clear(self) -> None:
        """Drop pending injections and product denials."""
        with self._lock:
            self._injections.clear()
            self.denied.clear()

    @property
    def pending(self) -> list[Injection]:
        """Injections not yet consumed."""
        with self._lock:
            return list(self._injections)

    # ------------------------------------------------------------------ per request

    def enter(self) -> int:
        """Count a request in; returns the number in flight including it."""
        with self._lock:
            self.in_flight += 1
            return self.in_flight

    def leave(self) -> None:
        """Count a request out."""
        with self._lock:
            self.in_flight -= 1

    def scripted(self, target: str) -> Action | None:
        """Consume the first pending injection matching ``target`` (path + query)."""
        with self._lock:
            for inj in self._injections:
                if inj.match in target:
                    inj.times -= 1
                    if inj.times <= 0:
                        self._injections.remove(inj)
                    return Action(inj.kind, dict(inj.opts), "scripted")
        return None

    def random_fault(self, in_flight: int) -> Action | None:
        """Concurrency cap, then the configured random fault rates."""
        f = self.faults
        if f.max_in_flight is not None and in_flight > f.max_in_flight:
            return Action("429", {"concurrency": True}, "concurrency")
        rates = (f.rate_429, f.rate_5xx, f.rate_drop, f.rate_truncate)
        if not any(rates):
            return None
        r, variant = f.draw()
        edge = 0.0
        for kind, rate in zip(("429", "5xx", "drop", "truncate"), rates, strict=True):
            edge += rate
            if r < edge:
                if kind == "429":
                    opts = {"retry_after": f.retry_after} if variant < 0.5 else {}
                    return Action("429", opts, "random")
                if kind == "5xx":
                    return Action("500" if variant < 0.5 else "503", {}, "random")
                return Action(kind, {}, "random")
        return None
