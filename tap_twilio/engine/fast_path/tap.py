"""Tap-level overrides: bounded STATE writer, one-line config errors, final SDK methods."""

from __future__ import annotations

import gc
import sys
import typing as t

if sys.version_info >= (3, 12):
    from typing import override
else:
    from typing_extensions import override

if t.TYPE_CHECKING:
    from singer_sdk import Tap
    from singer_sdk.streams import Stream


from tap_twilio.engine.fast_path.registry import ENABLED
from tap_twilio.engine.fast_path.state import (
    BoundedStateWriter,
    install_state_manager,
)

#: Allocations between two collections of the youngest generation during a sync (Python's
#: default: 700). Records and pages are dicts that live until written, so at 700 each young
#: collection walked the page in hand again: at main + 200 subaccounts (scripts/
#: benchmark.py --mode fleet) the collector took about 6% of the tap's CPU (perf), and
#: 10,000 cut the tap's CPU by 3-8%. Older generations keep Python's thresholds.
GC_YOUNG_THRESHOLD = 10_000

# The tap -----------------------------------------------------------------------------------

if t.TYPE_CHECKING:
    _Tap = Tap
else:
    _Tap = object


class TapFastPath(_Tap):
    """Tap-level overrides: STATE at a bounded rate (switch), one-line config errors."""

    if ENABLED:

        def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
            super().__init__(*args, **kwargs)
            # Replaces the SDK's StateWriter (Tap._state_writer): see BoundedStateWriter.
            self._state_writer = BoundedStateWriter(self.message_writer)

        @override  # type: ignore[misc]  # final in the SDK
        def load_streams(self) -> list[Stream]:
            streams = super().load_streams()
            for stream in streams:
                install_state_manager(stream)  # replaces Stream._state_manager
            return streams

        @override
        def _handle_termination(self, signum: int, frame: t.Any) -> None:  # pragma: no cover
            """The SDK's SIGTERM handling, after the last STATE (else it may be unwritten)."""
            try:
                self.write_last_state()
            finally:
                super()._handle_termination(signum, frame)

    @override  # type: ignore[misc]  # final in the SDK: no hook around a sync
    def sync_all(self) -> None:
        """The SDK's sync with progress lines, then the last STATE (also after a failure).

        The SDK moves a bookmark only once every record of its partition is written, so
        the state at any moment claims only written records. The garbage collector runs
        less often meanwhile (``GC_YOUNG_THRESHOLD``).
        """
        thresholds = gc.get_threshold()
        gc.set_threshold(GC_YOUNG_THRESHOLD, *thresholds[1:])
        try:
            with self.progress_lines():  # type: ignore[attr-defined]  # TapTwilio's
                super().sync_all()
        finally:
            gc.set_threshold(*thresholds)
            self.write_last_state()

    @override  # type: ignore[misc]  # final in the SDK
    def run_connection_test(self) -> bool:
        """``--test``: one request that checks the credentials, not a sync of every stream."""
        return bool(self.check_credentials())  # type: ignore[attr-defined]  # TapTwilio's

    def write_last_state(self) -> None:
        """Write the state as it is now, and every record still batched.

        The bounded writer may be holding the state back; a STATE equal to the last one is
        not written again, so nothing else would write the batched records.
        """
        writer = self._state_writer
        if isinstance(writer, BoundedStateWriter):
            writer.write_state(self.state)
            writer.flush()
        flush = getattr(self.message_writer, "flush", None)
        if flush is not None:
            flush()

    @override
    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """The SDK's check, each problem one line naming the setting (never a secret).

        There is no public hook for the wording; ``config_problems`` (TapTwilio) says it.
        """
        from singer_sdk.exceptions import ConfigValidationError

        from tap_twilio.api.settings import ConfigError

        try:
            errors = super()._validate_config(raise_errors=False)
        except ConfigValidationError as exc:  # pragma: no cover - raise_errors=False
            errors = exc.errors
        problems: list[str] = self.config_problems(errors)  # type: ignore[attr-defined]
        if problems and raise_errors:
            raise ConfigError(problems[0])
        return problems
