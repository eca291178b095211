"""Console entry points: the tap, webhook-mode and the actions; one error exit.

``tap-twilio`` runs the tap, or the webhook receiver when ``webhook-mode`` is one of its
arguments, wherever it stands: ``tap-twilio webhook-mode --config c.json`` and
``tap-twilio --config c.json webhook-mode`` (as ``meltano invoke tap-twilio:webhook-mode``
may call it) are the same. Every failure ends with one ``tap-twilio: error: …`` line on
stderr: exit 2 for bad config, state or catalog, 1 for Twilio or transport errors.
"""

from __future__ import annotations

import logging
import sys
import typing as t

import requests
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError, RetriableAPIError

from tap_twilio.api.errors import transport_error_line
from tap_twilio.api.settings import ConfigError, unreadable_config
from tap_twilio.inputs import unreadable_catalog, unreadable_state

WEBHOOK_MODE = "webhook-mode"
#: Options of the tap whose next argument is their value (never a command).
_VALUED_OPTIONS = ("--config", "--state", "--catalog", "--format")


def webhook_mode_args(argv: list[str]) -> list[str] | None:
    """The receiver's arguments when ``argv`` asks for webhook-mode, else None.

    ``webhook-mode`` may come anywhere; a value of ``--config`` (or another option that
    takes one) is never taken for it. The arguments are the others, in order.
    """
    for index, arg in enumerate(argv):
        if arg == WEBHOOK_MODE and (index == 0 or argv[index - 1] not in _VALUED_OPTIONS):
            return argv[:index] + argv[index + 1 :]
    return None


def main(argv: list[str] | None = None) -> None:
    """Run the tap (``tap-twilio``), or the webhook receiver in webhook-mode."""
    args = sys.argv[1:] if argv is None else list(argv)
    receiver_args = webhook_mode_args(args)
    if receiver_args is not None:
        from tap_twilio import webhooks

        sys.exit(webhooks.main(receiver_args))
    for kind, check in (
        ("config", unreadable_config),
        ("state", unreadable_state),
        ("catalog", unreadable_catalog),
    ):
        problem = check(args)
        if problem:  # one line, even if a path or a stream name holds a line break
            _fail(f"invalid {kind}: {problem}".replace("\r", "\\r").replace("\n", "\\n"), 2)
    from tap_twilio.streams import custom  # the tap's modules, once the inputs are known good
    from tap_twilio.tap import TapTwilio

    try:
        TapTwilio.cli(args)
    except (ConfigError, custom.CustomStreamError) as exc:
        _fail(f"invalid config: {exc}", 2)
    except FatalAPIError as exc:
        _fail(_first_line(exc), 1)
    except RetriableAPIError as exc:
        _fail(f"{_first_line(exc)} (still failing after max_retries retries)", 1)
    except requests.RequestException as exc:
        _fail(f"{transport_error_line(exc)} (still failing after max_retries retries)", 1)
    except ConfigValidationError as exc:
        _fail(f"invalid config: {exc.errors[0] if exc.errors else exc}", 2)


def actions_main() -> None:
    """``tap-twilio-actions``: see :mod:`tap_twilio.actions` (needs the ``actions`` extra)."""
    try:
        from tap_twilio.actions import main as run_actions
    except ModuleNotFoundError as exc:
        if exc.name != "twilio" and not str(exc.name).startswith("twilio."):
            raise
        sys.stderr.write(
            "tap-twilio-actions: error: the actions need the twilio package: "
            f"pip install '{_distribution()}[actions]'\n"
        )
        sys.exit(2)
    sys.exit(run_actions())


def _distribution() -> str:
    """The name this package is installed under (the actions extra is asked for by it)."""
    from importlib.metadata import packages_distributions

    return (packages_distributions().get("tap_twilio") or ["tap-twilio"])[0]


def _all_handlers() -> list[logging.Handler]:
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    return list({id(h): h for logger in loggers for h in logger.handlers}.values())


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _fail(message: str, code: int) -> t.NoReturn:
    # Fetch threads may still be finishing requests: their log lines must not follow the
    # error line, which is the last line a user (or an orchestrator) sees. New log calls
    # are disabled, and holding every handler's lock stops the ones already emitting (the
    # locks are re-entrant, so the shutdown at exit in this thread still works).
    logging.disable(logging.CRITICAL)
    for handler in _all_handlers():
        handler.acquire()
        handler.flush()
    sys.stderr.write(f"tap-twilio: error: {message}\n")
    sys.stderr.flush()
    sys.exit(code)


if __name__ == "__main__":
    main()
