"""Checks of ``--state`` and ``--catalog`` files before the SDK reads them.

Each check returns one line naming the file and the problem (None: the file is usable), so
that a broken file ends the run with that line and exit 2 instead of a traceback.
"""

from __future__ import annotations

import json
import typing as t

from tap_twilio.api.settings import json_kind, unreadable_files
from tap_twilio.api.transforms import parse_datetime
from tap_twilio.engine.changes import RECONCILED_STATE_KEY, reconcile_marker


def unreadable_state(args: list[str]) -> str | None:
    """A one-line reason why a ``--state`` file cannot be used, if one cannot.

    Checks the shapes the SDK and the streams read (``bookmarks``, each stream's
    bookmark, its ``partitions`` and their ``context``) and that every
    ``replication_key_value`` is an ISO 8601 date or datetime. Other keys are accepted,
    so a state the tap wrote (``progress_markers``, ``starting_replication_value`` …)
    always passes. Standard input (``-``) is not checked: reading it would consume it.
    """
    return unreadable_files(
        args, "state", lambda state: _bookmarks_problem(state.get("bookmarks", {}))
    )


def _bookmarks_problem(bookmarks: t.Any) -> str | None:
    """What is wrong with a state's ``bookmarks`` (None: nothing)."""
    if not isinstance(bookmarks, dict):
        return f"bookmarks must be an object, not {json_kind(bookmarks)}"
    for stream, bookmark in bookmarks.items():
        where = f"bookmarks.{stream}"
        problem = _bookmark_problem(where, bookmark)
        if problem:
            return problem
        if "partitions" not in bookmark:
            continue
        partitions = bookmark["partitions"]
        if not isinstance(partitions, list):
            return f"{where}.partitions must be a list, not {json_kind(partitions)}"
        seen: dict[str, int] = {}
        for index, partition in enumerate(partitions):
            spot = f"{where}.partitions[{index}]"
            problem = _bookmark_problem(spot, partition)
            if problem:
                return problem
            if "context" not in partition:
                return f"{spot} has no context"
            context = partition["context"]
            if not isinstance(context, dict):
                return f"{spot}.context must be an object, not {json_kind(context)}"
            problem = _marker_problem(stream, spot, partition)
            if problem:
                return problem
            key = json.dumps(context, sort_keys=True, default=str)
            if key in seen:
                return f"{spot} has the same context as {where}.partitions[{seen[key]}]"
            seen[key] = index
    return None


def _marker_problem(stream: str, where: str, partition: dict) -> str | None:
    """A broken reconcile marker (``reconciled_at``), named by stream and account."""
    try:
        reconcile_marker(partition.get(RECONCILED_STATE_KEY))
    except ValueError as exc:
        account = (partition.get("context") or {}).get("account_sid")
        named = f"{stream} of account {account}" if account else stream
        return f"{where}: the reconcile marker of {named} is broken: {exc}"
    return None


def _bookmark_problem(where: str, bookmark: t.Any) -> str | None:
    """What is wrong with one stream's or partition's bookmark (None: nothing)."""
    if not isinstance(bookmark, dict):
        return f"{where} must be an object, not {json_kind(bookmark)}"
    markers = bookmark.get("progress_markers", {})
    if not isinstance(markers, dict):
        return f"{where}.progress_markers must be an object, not {json_kind(markers)}"
    value = bookmark.get("replication_key_value")
    if value is None:
        return None
    if not isinstance(value, str):
        return (
            f"{where}.replication_key_value must be an ISO 8601 date or datetime string, "
            f"not {json_kind(value)}"
        )
    try:
        parse_datetime(value)
    except (ValueError, OverflowError):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"{where}.replication_key_value is not an ISO 8601 date or datetime: {shown!r}"
    return None


def unreadable_catalog(args: list[str]) -> str | None:
    """A one-line reason why a ``--catalog`` file cannot be used, if one cannot.

    Checks the shapes the SDK reads: an object whose ``streams`` is a list of entries,
    each an object with a string ``tap_stream_id``, an object ``schema`` and, if given,
    a ``metadata`` list of ``{"breadcrumb": [...], "metadata": {...}}``. Other keys
    are accepted. Standard input (``-``) is not checked: reading it would consume it.
    """
    return unreadable_files(args, "catalog", _catalog_problem)


def _catalog_problem(catalog: dict[str, t.Any]) -> str | None:
    if "streams" not in catalog:
        return "has no streams list"
    return _streams_problem(catalog["streams"]) or _missing_parent(catalog["streams"])


def _missing_parent(streams: list[dict]) -> str | None:
    """A selected built-in stream whose parent stream has no entry (the SDK fails on it).

    The SDK reads a child's records through its parent, and only streams listed in the
    catalog can be read: a parent must be listed, selected or not.
    """
    from singer_sdk.singerlib import MetadataMapping

    from tap_twilio.streams import STREAMS

    parents: dict[str, str] = {
        t.cast("t.Any", cls).name: t.cast("t.Any", cls.parent_stream_type).name
        for cls in STREAMS
        if getattr(cls, "parent_stream_type", None) is not None
    }
    listed = {entry["tap_stream_id"] for entry in streams}
    for index, entry in enumerate(streams):
        name = entry["tap_stream_id"]
        mask = MetadataMapping.from_iterable(entry.get("metadata", [])).resolve_selection()
        if not mask.get((), True):
            continue
        parent = parents.get(name)
        while parent is not None:
            if parent not in listed:
                return (
                    f"streams[{index}] ({name}) is selected but its parent stream {parent} "
                    "has no entry (list it, selected or not)"
                )
            parent = parents.get(parent)
    return None


def _streams_problem(streams: t.Any) -> str | None:
    """What is wrong with a catalog's ``streams`` (None: nothing)."""
    if not isinstance(streams, list):
        return f"streams must be a list, not {json_kind(streams)}"
    for index, entry in enumerate(streams):
        problem = _catalog_entry_problem(f"streams[{index}]", entry)
        if problem:
            return problem
    return None


def _catalog_entry_problem(where: str, entry: t.Any) -> str | None:
    """What is wrong with one catalog entry (None: nothing)."""
    if not isinstance(entry, dict):
        return f"{where} must be an object, not {json_kind(entry)}"
    if "tap_stream_id" not in entry:
        return f"{where} has no tap_stream_id"
    stream_id = entry["tap_stream_id"]
    if not isinstance(stream_id, str) or not stream_id:
        return f"{where}.tap_stream_id must be a non-empty string, not {json_kind(stream_id)}"
    where = f"{where} ({stream_id})"
    if "schema" not in entry:
        return f"{where} has no schema"
    schema = entry["schema"]
    if not isinstance(schema, dict):
        return f"{where}: schema must be an object, not {json_kind(schema)}"
    problem = _schema_problem("schema", schema)
    if problem:
        return f"{where}: {problem}"
    metadata = entry.get("metadata", [])
    if not isinstance(metadata, list):
        return f"{where}: metadata must be a list, not {json_kind(metadata)}"
    stream_metadata: dict = {}
    for position, item in enumerate(metadata):
        spot = f"metadata[{position}]"
        if not isinstance(item, dict):
            return f"{where}: {spot} must be an object, not {json_kind(item)}"
        if not isinstance(item.get("breadcrumb"), list):
            return f"{where}: {spot}.breadcrumb must be a list"
        if not isinstance(item.get("metadata"), dict):
            return f"{where}: {spot}.metadata must be an object"
        if item["breadcrumb"] == []:
            stream_metadata = item["metadata"]
    for name, keys in (
        ("key_properties", entry.get("key_properties")),
        ("table-key-properties", stream_metadata.get("table-key-properties")),
    ):
        if keys is not None and not (
            isinstance(keys, list) and all(isinstance(key, str) for key in keys)
        ):
            return f"{where}: {name} must be a list of field names, not {json_kind(keys)}"
    # The SDK's choice: the entry's replication_key, else the stream metadata's.
    replication_key = entry.get("replication_key") or stream_metadata.get("replication-key")
    if replication_key and not isinstance(replication_key, str):
        return f"{where}: replication_key must be a field name, not {json_kind(replication_key)}"
    if replication_key and replication_key not in schema.get("properties", {}):
        return f"{where}: replication_key {replication_key} is not a property of the schema"
    return None


def _schema_problem(where: str, schema: dict) -> str | None:
    """What is wrong with a catalog schema's ``type`` and ``properties``, at any depth."""
    kind = schema.get("type", "object")
    if not (
        isinstance(kind, str) or (isinstance(kind, list) and all(isinstance(k, str) for k in kind))
    ):
        return f"{where}.type must be a type name or a list of them, not {json_kind(kind)}"
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        return f"{where}.properties must be an object, not {json_kind(properties)}"
    for name, prop in properties.items():
        spot = f"{where}.properties.{name}"
        if not isinstance(prop, dict):
            return f"{spot} must be an object, not {json_kind(prop)}"
        problem = _schema_problem(spot, prop)
        if problem:
            return problem
        items = prop.get("items")
        if isinstance(items, dict):
            problem = _schema_problem(f"{spot}.items", items)
            if problem:
                return problem
    return None
