"""The routing table: every list and fetch path of every product, compiled."""

from __future__ import annotations

import re
from dataclasses import dataclass

from twilio_sandbox.registry import PRODUCTS, REGISTRY, SPECS
from twilio_sandbox.resource_spec import ResourceSpec

# --------------------------------------------------------------------------- routing table


def _compile(template: str) -> re.Pattern[str]:
    out = ""
    pos = 0
    for m in re.finditer(r"\{(\w+)\}", template):
        out += re.escape(template[pos : m.start()]) + f"(?P<{m.group(1)}>[^/]+?)"
        pos = m.end()
    out += re.escape(template[pos:])
    return re.compile(f"^{out}$")


@dataclass
class Route:
    """One routable path."""

    product: str
    pattern: re.Pattern[str]
    kind: str  # list | fetch | account | accounts_fetch | create_message
    spec: ResourceSpec | None = None


#: Fetch paths of records not fetched at their list's path plus their SID: Voice Insights
#: summaries, found by the call's or conference's SID
#: (https://www.twilio.com/docs/voice/voice-insights/api/call/call-summary-resource ,
#: https://www.twilio.com/docs/voice/voice-insights/api/conference/conference-summary-resource).
#: A call summary's ``ProcessingState`` parameter (``complete``, ``partial`` or ``all``) is
#: accepted and the summary is served in the state it is in.
FETCH_PATHS = {
    "voice_insights_call_summaries": "/v1/Voice/{sid}/Summary",
    "voice_insights_conference_summaries": "/v1/Conferences/{sid}",
}


def _routes() -> dict[str, list[Route]]:
    routes: dict[str, list[Route]] = {p: [] for p in PRODUCTS}
    for spec in SPECS:
        for path in (spec.path, spec.service_path):
            if path is None:
                continue
            route = Route(spec.product, _compile(path), "list", spec)
            if spec.lazy:
                # Lists such as IncomingPhoneNumbers/Local.json, before the fetch routes
                # (IncomingPhoneNumbers/{sid}.json) that would take them.
                routes[spec.product].insert(0, route)
            else:
                routes[spec.product].append(route)
            if spec.id_fields == ("sid",) and spec.envelope in ("flat", "meta"):
                if path.endswith(".json"):
                    fetch = path[: -len(".json")] + "/{sid}.json"
                else:
                    fetch = path + "/{sid}"
                if spec.name == "accounts":
                    fetch = "/2010-04-01/Accounts/{account_sid}.json"
                routes[spec.product].append(Route(spec.product, _compile(fetch), "fetch", spec))
        if spec.name in FETCH_PATHS:
            fetch = FETCH_PATHS[spec.name]
            routes[spec.product].append(Route(spec.product, _compile(fetch), "fetch", spec))
    routes["api"].insert(
        0,
        Route(
            "api",
            _compile("/2010-04-01/Accounts/{account_sid}/Messages.json"),
            "create_message",
            REGISTRY["messages"],
        ),
    )
    return routes


ROUTES = _routes()
