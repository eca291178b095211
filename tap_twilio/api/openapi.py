"""Twilio's published list endpoints (``openapi_lists.json``, by scripts/generate_schemas.py)."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

PLACEHOLDER = re.compile(r"\{([^}]*)\}")


@cache
def spec_lists() -> tuple[dict, ...]:
    """Twilio's list endpoints with their item schemas (generated from the OpenAPI specs)."""
    text = resources.files("tap_twilio.api").joinpath("openapi_lists.json").read_text("utf-8")
    return tuple(json.loads(text)["lists"])


def find_spec_list(product: str, path: str) -> dict | None:
    """The spec list a path names, placeholders and concrete SIDs alike."""
    concrete = PLACEHOLDER.sub("{}", path)
    for item in spec_lists():
        if item["product"] != product:
            continue
        pattern = (
            "^" + re.escape(PLACEHOLDER.sub("{}", item["path"])).replace(r"\{\}", r"[^/]+") + "$"
        )
        if re.match(pattern, concrete.replace("{}", "X")):
            return item
    return None
