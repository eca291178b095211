#!/usr/bin/env python3
"""Write the Meltano Hub variant definition of tap-twilio: ``hub/tap-twilio.yml``.

Generated from ``tap-twilio --about --format json`` (settings, descriptions, secrets,
capabilities) plus the Hub's own fields (label, logo, docs, keywords, ...), in the format
of the extractor definitions in the meltano/hub repository
(``_data/meltano/extractors/<name>/<variant>.yml``)::

    python scripts/hub_definition.py           # (re)write hub/tap-twilio.yml
    python scripts/hub_definition.py --check   # exit 1 if the file is not current

Run it with the tap's virtualenv (``.venv/bin/python``), or any Python where tap-twilio
and PyYAML are installed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "hub" / "tap-twilio.yml"

# Where the tap is published. The Hub names a variant after the GitHub owner of its repo.
VARIANT = "<org>"
REPO = "https://github.com/<org>/tap-twilio"

HUB_FIELDS: dict[str, Any] = {
    "name": "tap-twilio",
    "namespace": "tap_twilio",
    "variant": VARIANT,
    "label": "Twilio",
    "description": "Cloud communications platform: messaging, voice, conversations and more",
    "logo_url": "/assets/logos/extractors/twilio.png",
    "pip_url": f"git+{REPO}.git",
    "repo": REPO,
    "docs": f"https://hub.meltano.com/extractors/tap-twilio--{VARIANT}",
    "executable": "tap-twilio",
    "domain_url": "https://www.twilio.com",
    "keywords": ["meltano_sdk"],
    "maintenance_status": "active",
    "quality": "unknown",
    "settings_group_validation": [
        ["account_sid", "auth_token"],
        ["account_sid", "api_key_secret", "api_key_sid"],
    ],
}

# A JSON-schema type -> Meltano setting kind.
KINDS = {
    "string": "string",
    "integer": "integer",
    "number": "decimal",
    "boolean": "boolean",
    "array": "array",
    "object": "object",
}

# Labels Meltano users know these SDK settings by (their schemas carry no title of ours).
SDK_LABELS = {
    "stream_maps": "Stream Maps",
    "stream_map_config": "User Stream Map Configuration",
    "faker_config": "Faker Configuration",
    "faker_config.seed": "Faker Seed",
    "faker_config.locale": "Faker Locale",
    "flattening_enabled": "Enable Schema Flattening",
    "flattening_max_depth": "Max Flattening Depth",
    "flattening_max_key_length": "Max Flattened Key Length",
    "flattening_separator": "Flattening Separator",
}


def about() -> dict[str, Any]:
    """``tap-twilio --about --format json`` of the installed tap."""
    proc = subprocess.run(
        [sys.executable, "-m", "tap_twilio", "--about", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        sys.exit(f"tap-twilio --about failed: {proc.stderr.strip()[-500:]}")
    return json.loads(proc.stdout)


def _types(prop: dict[str, Any]) -> list[str]:
    kinds = prop.get("type", "string")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    return [k for k in kinds if k != "null"] or ["string"]


def _label(name: str, prop: dict[str, Any]) -> str:
    if name in SDK_LABELS:
        return SDK_LABELS[name]
    if prop.get("title"):
        return str(prop["title"])
    return " ".join(part.capitalize() for part in name.split(".")[-1].split("_"))


def _description(name: str, prop: dict[str, Any]) -> str:
    text = " ".join(str(prop.get("description") or "").split())
    if not text:
        raise SystemExit(f"setting {name} has no description: document it in the tap first")
    return text


def setting(name: str, prop: dict[str, Any]) -> dict[str, Any]:
    """One Hub setting from a JSON-schema property."""
    out: dict[str, Any] = {"name": name, "label": _label(name, prop)}
    kind = KINDS.get(_types(prop)[0], "string")
    if prop.get("format") == "date-time":
        kind = "date_iso8601"
    if prop.get("enum"):
        kind = "options"
        out["options"] = [{"label": str(v), "value": v} for v in prop["enum"] if v is not None]
    out["kind"] = kind
    out["description"] = _description(name, prop)
    if "default" in prop and prop["default"] is not None:
        out["value"] = prop["default"]
    if prop.get("secret") or prop.get("writeOnly"):
        out["sensitive"] = True
    return out


def settings(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Every setting of the tap, with the sub-settings of objects that declare them."""
    out = []
    for name, prop in schema.get("properties", {}).items():
        out.append(setting(name, prop))
        if "object" in _types(prop):
            for sub, subprop in (prop.get("properties") or {}).items():
                out.append(setting(f"{name}.{sub}", subprop))
    return out


def definition(info: dict[str, Any]) -> dict[str, Any]:
    """The Hub variant definition as a mapping."""
    hub = dict(HUB_FIELDS)
    hub["capabilities"] = sorted(info["capabilities"])
    hub["settings"] = settings(info["settings"])
    required = info["settings"].get("required") or []
    if required:
        hub["settings_group_validation"] = [
            sorted(set(group) | set(required)) for group in hub["settings_group_validation"]
        ]
    ordered = [
        "name",
        "namespace",
        "variant",
        "label",
        "description",
        "logo_url",
        "pip_url",
        "repo",
        "docs",
        "executable",
        "domain_url",
        "keywords",
        "maintenance_status",
        "quality",
        "capabilities",
        "settings_group_validation",
        "settings",
    ]
    return {key: hub[key] for key in ordered}


def render(info: dict[str, Any]) -> str:
    """The YAML text of the definition."""
    header = (
        "# Meltano Hub variant definition of tap-twilio.\n"
        "# Generated by scripts/hub_definition.py from `tap-twilio --about --format json`;\n"
        "# do not edit by hand (CI checks it with --check).\n"
    )
    body = yaml.safe_dump(
        definition(info), sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
    return header + body


def main(argv: list[str] | None = None) -> int:
    """Write or check hub/tap-twilio.yml."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is not current")
    args = parser.parse_args(argv)
    info = about()
    text = render(info)
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(
                f"{OUTPUT.relative_to(ROOT)} is not current: run python scripts/hub_definition.py",
                file=sys.stderr,
            )
            return 1
        print(f"{OUTPUT.relative_to(ROOT)} is current")
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(definition(info)['settings'])} settings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
