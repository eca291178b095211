#!/usr/bin/env python3
"""Regenerate the README's settings and streams tables from the tap itself.

    python scripts/readme_tables.py          # rewrite README.md between the markers
    python scripts/readme_tables.py --check  # exit 1 if README.md is out of date

The settings table is ``tap-twilio --about --format=markdown``'s; the streams table comes
from the stream classes (name, primary key, replication, server-side filter, parent).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def settings_table() -> str:
    """The Settings table of ``--about --format=markdown``."""
    from tap_twilio.tap import TapTwilio

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        TapTwilio.print_about(output_format="markdown")
    text = buf.getvalue()
    start = text.index("| Setting")
    end = text.index("\n\n", start)
    return text[start:end].strip()


def streams_table() -> str:
    """One row per stream: name, product, key, replication, what is read, parent, default."""
    from tap_twilio.streams import STREAMS
    from tap_twilio.streams.spec import SPEC_STREAMS

    rows = [
        "| Stream | Product | Primary key | Replication | Read each incremental run "
        "| How later changes arrive | Parent | Selected by default |",
        "|:-------|:--------|:------------|:------------|:--------------------------"
        "|:-------------------------|:-------|:--------------------|",
    ]
    for cls in STREAMS:
        if cls in SPEC_STREAMS:
            continue  # the long tail: summarised per product (longtail_table)
        key = ", ".join(cls.primary_keys or ())
        rk = cls.replication_key if isinstance(cls.replication_key, str) else None
        if rk:
            replication = f"INCREMENTAL (`{rk}`)"
            lower = f"`{cls.start_param}=`" if cls.start_param else ""
            upper = f" + `{cls.end_param}=`" if cls.end_param else ""
            filt = lower + upper if cls.start_param else "—"
            if cls.full_scan:
                filt += "; whole list every `reconcile_interval` hours"
            for params in cls.open_lists.values():
                filt += "; " + ", ".join(f"`{k}={v}`" for k, v in params.items())
            if cls.open_values:
                filt += f"; by SID: open at the last run (`{cls.open_field}`)"
            for params, windowed in cls.also_read.values():
                asked = ", ".join(f"`{k}={v}`" for k, v in params.items())
                filt += f"; again with {asked}" + ("" if windowed else " (whole)")
        else:
            replication = "FULL_TABLE"
            parent_type = cls.parent_stream_type
            filt = "whole list"
            if parent_type is not None and parent_type.name != "accounts":
                filt += f" for each `{parent_type.name}` record emitted"
        parent = cls.parent_stream_type.name if cls.parent_stream_type else "—"
        later = later_changes(cls)
        selected = "yes" if cls.selected_by_default else "no"
        rows.append(
            f"| `{cls.name}` | {cls.product} | {key} | {replication} | {filt} | {later} "
            f"| {parent} | {selected} |"
        )
    return "\n".join(rows)


def later_changes(cls: type) -> str:
    """How a stream's records that change after they are first read reach the target."""
    declared = getattr(cls, "later_changes", None)
    if declared:
        return str(declared)
    if not isinstance(cls.replication_key, str):
        return "whole list read each run"
    parts = []
    if cls.open_values:
        parts.append(f"followed by SID while `{cls.open_field}` is open")
    if cls.full_scan:
        parts.append("undated or changed without a new date: at the next reconciliation")
    if not parts:
        parts.append(f"a change moves `{cls.replication_key}` into the window")
    return "; ".join(parts)


def longtail_table() -> str:
    """The long tail per product: how many lists, which are incremental, and what is left out."""
    from tap_twilio.streams.spec import SPEC_STREAMS, table

    products: dict[str, list] = {}
    for cls in SPEC_STREAMS:
        products.setdefault(cls.product, []).append(cls)
    rows = [
        "| Product | Streams | Incremental | Children (parent from the path) | Example |",
        "|:--------|--------:|------------:|--------------------------------:|:--------|",
    ]
    for product, classes in sorted(products.items()):
        incremental = sum(1 for c in classes if c.replication_key)
        children = sum(1 for c in classes if c.parent_stream_type.name != "accounts")
        rows.append(
            f"| {product} | {len(classes)} | {incremental} | {children} | `{classes[0].name}` |"
        )
    rows.append(f"| **all** | **{len(SPEC_STREAMS)}** | | | |")
    rows += ["", "Left out (a path parameter that no list provides):", ""]
    rows += [
        f"- {item['product']} `{item['path']}`: {item['reason']}" for item in table()["left_out"]
    ]
    return "\n".join(rows)


def render(readme: str) -> str:
    """README text with the generated sections replaced."""
    for name, table in (
        ("settings", settings_table()),
        ("streams", streams_table()),
        ("longtail", longtail_table()),
    ):
        pattern = re.compile(
            rf"(<!-- {name}:start -->\n).*?(\n<!-- {name}:end -->)", flags=re.DOTALL
        )
        if not pattern.search(readme):
            raise SystemExit(f"README.md has no <!-- {name}:start/end --> markers")
        readme = pattern.sub(lambda m, t=table: m.group(1) + t + m.group(2), readme)
    return readme


def main() -> int:
    """Rewrite or check README.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if README.md is stale")
    args = parser.parse_args()
    current = README.read_text()
    wanted = render(current)
    if args.check:
        if wanted != current:
            print("README.md tables are stale: run python scripts/readme_tables.py")
            return 1
        print("README.md tables are current")
        return 0
    README.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
