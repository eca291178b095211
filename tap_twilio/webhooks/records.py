"""``webhook_events`` records: what an accepted webhook becomes, and the Singer writer.

One SCHEMA message for ``webhook_events`` (key ``event_id``), then one RECORD per accepted
request. No STATE message is written: a receiver has no position to resume from, and a
STATE could replace the bookmarks of the tap's normal syncs where both share a state ID.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import typing as t
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

from singer_sdk.singerlib import RecordMessage, SchemaMessage, format_message

from tap_twilio.api.output import write_stdout

STREAM_NAME = "webhook_events"


_NULLABLE_STRING = {"type": ["string", "null"]}

RECORD_SCHEMA: dict[str, t.Any] = {
    "type": "object",
    "properties": {
        "event_id": {"type": "string"},
        "received_at": {"type": "string", "format": "date-time"},
        "method": {"type": "string"},
        "path": {"type": "string"},
        "query": {"type": "object", "additionalProperties": True},
        "content_type": _NULLABLE_STRING,
        "event_kind": {
            "type": "string",
            "enum": ["message_status", "inbound_message", "call_status", "json", "other"],
        },
        "params": {"type": "object", "additionalProperties": True},
        "account_sid": _NULLABLE_STRING,
        "message_sid": _NULLABLE_STRING,
        "call_sid": _NULLABLE_STRING,
        "sids": {"type": "object", "additionalProperties": {"type": "string"}},
        "signature_valid": {"type": "boolean"},
    },
    "required": ["event_id", "received_at", "method", "path", "event_kind", "params"],
}
"""JSON schema of a ``webhook_events`` record."""


def _collapse(pairs: Iterable[tuple[str, str]]) -> dict[str, t.Any]:
    """Turn (name, value) pairs into ``name -> value`` (``name -> [values]`` when repeated).

    Args:
        pairs: The parameters in request order.

    Returns:
        A dict with a string for single-valued and a list for repeated names.
    """
    result: dict[str, t.Any] = {}
    for name, value in pairs:
        if name not in result:
            result[name] = value
        elif isinstance(result[name], list):
            result[name].append(value)
        else:
            result[name] = [result[name], value]
    return result


def _first(params: Mapping[str, t.Any], *names: str) -> str | None:
    for name in names:
        value = params.get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, str) and value:
            return value
    return None


def classify_event(params: Mapping[str, t.Any]) -> str:
    """Derive the ``event_kind`` of a form-encoded (or GET) webhook.

    Rule, first match wins (JSON bodies are ``json`` without calling this, see
    :func:`build_record`):

    1. ``inbound_message``: a message SID (``MessageSid``/``SmsSid``/``SmsMessageSid``) and
       a ``Body``, no ``Direction`` starting with ``outbound``, and no status other than
       ``received`` in ``MessageStatus``/``SmsStatus`` (Twilio's incoming-message webhook
       sends ``SmsStatus=received``; status callbacks send ``queued``, ``sent``,
       ``delivered``, ...);
    2. ``message_status``: a message SID and ``MessageStatus`` or ``SmsStatus``;
    3. ``call_status``: ``CallSid`` and ``CallStatus``;
    4. ``other``.

    Args:
        params: The form parameters (single value -> string, repeated -> list).

    Returns:
        One of ``inbound_message``, ``message_status``, ``call_status``, ``other``.
    """
    message_sid = _first(params, "MessageSid", "SmsSid", "SmsMessageSid")
    if message_sid:
        status = _first(params, "MessageStatus", "SmsStatus")
        direction = _first(params, "Direction") or ""
        if (
            "Body" in params
            and not direction.lower().startswith("outbound")
            and status in (None, "received")
        ):
            return "inbound_message"
        if status:
            return "message_status"
    if _first(params, "CallSid") and _first(params, "CallStatus"):
        return "call_status"
    return "other"


def _event_id(method: str, target: str, body: bytes, idempotency_token: str | None) -> str:
    if idempotency_token:
        return idempotency_token
    digest = hashlib.sha256(f"{method} {target}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def build_record(
    *,
    method: str,
    target: str,
    body: bytes,
    content_type: str | None,
    form_pairs: list[tuple[str, str]] | None,
    idempotency_token: str | None = None,
    received_at: datetime | None = None,
) -> dict[str, t.Any]:
    """Build the ``webhook_events`` record for an accepted request.

    Args:
        method: The HTTP method.
        target: The request target (path and query) as received.
        body: The raw body.
        content_type: The ``Content-Type`` header, if any.
        form_pairs: The form parameters for form-encoded and GET requests (for GET, the
            query parameters); None when the body is not a form.
        idempotency_token: The ``I-Twilio-Idempotency-Token`` header, if any.
        received_at: When the request arrived (default: now).

    Returns:
        The record. ``params`` is the form (single value -> string, repeated -> list) or the
        parsed JSON body; a JSON body that is not an object is put under ``_body``, a body
        that is not JSON under ``_raw`` (text) and classified ``other``.
    """
    received_at = received_at or datetime.now(timezone.utc)
    split = urlsplit(target)
    params: dict[str, t.Any]
    if form_pairs is not None:
        params = _collapse(form_pairs)
        kind = classify_event(params)
    else:
        try:
            parsed = json.loads(body) if body else {}
        except ValueError:
            params = {"_raw": body.decode("utf-8", errors="replace")}
            kind = "other"
        else:
            params = parsed if isinstance(parsed, dict) else {"_body": parsed}
            kind = "json"
    sids = {name: _first(params, name) for name in params if name.endswith(("Sid", "_sid"))}
    return {
        "event_id": _event_id(method, target, body, idempotency_token),
        "received_at": received_at.astimezone(timezone.utc).isoformat(),
        "method": method,
        "path": split.path,
        "query": _collapse(parse_qsl(split.query, keep_blank_values=True)),
        "content_type": content_type,
        "event_kind": kind,
        "params": params,
        "account_sid": _first(params, "AccountSid", "accountSid", "account_sid"),
        "message_sid": _first(
            params, "MessageSid", "SmsSid", "SmsMessageSid", "messageSid", "message_sid"
        ),
        "call_sid": _first(params, "CallSid", "callSid", "call_sid"),
        "sids": {name: value for name, value in sids.items() if value is not None},
        "signature_valid": True,
    }


class SingerEmitter:
    """Writes Singer messages as lines to a text stream, one writer at a time, flushed."""

    def __init__(self, out: t.TextIO | None = None) -> None:
        """Create an emitter.

        Args:
            out: The stream to write to (default: ``sys.stdout`` at write time).
        """
        self._out = out
        self._lock = threading.Lock()
        self.records_written = 0
        self.broken = False

    def _write(self, line: str) -> None:
        out = self._out if self._out is not None else sys.stdout
        with self._lock:
            if self.broken:
                raise BrokenPipeError("Singer output is closed")
            try:
                if self._out is None:  # whole, even when a signal cuts a write short
                    write_stdout((line + "\n").encode("utf-8"))
                else:
                    out.write(line + "\n")
                    out.flush()
            except (OSError, ValueError):
                self.broken = True
                raise

    def write_schema(self) -> None:
        """Write the SCHEMA message of the ``webhook_events`` stream."""
        message = SchemaMessage(
            stream=STREAM_NAME, schema=RECORD_SCHEMA, key_properties=["event_id"]
        )
        self._write(format_message(message))

    def write_record(self, record: dict[str, t.Any]) -> None:
        """Write one RECORD message and flush it.

        Args:
            record: A record built by :func:`build_record`.
        """
        time_extracted = datetime.fromisoformat(record["received_at"])
        message = RecordMessage(stream=STREAM_NAME, record=record, time_extracted=time_extracted)
        self._write(format_message(message))
        with self._lock:
            self.records_written += 1
