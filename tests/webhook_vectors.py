"""Webhook signature test data: Twilio's documented vectors and seeded random cases."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from urllib.parse import quote

from tap_twilio.webhooks import compute_body_hash

# /work/shared/twilio-api.md §7, computed with twilio-python's RequestValidator("12345");
# the form vector is the example from Twilio's documentation.
DOC_TOKEN = "12345"
DOC_FORM_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_FORM_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
DOC_FORM_SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
DOC_JSON_BODY = '{"property": "value", "boolean": true}'
DOC_JSON_HASH = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
DOC_JSON_URL = f"https://mycompany.com/myapp.php?bodySHA256={DOC_JSON_HASH}"
DOC_JSON_SIGNATURE = "y77kIzt2vzLz71DgmJGsen2scGs="

_HOSTS = ["mycompany.com", "example.ngrok.app", "hooks.example.org", "127.0.0.1", "localhost"]
_WORDS = ["sms", "voice", "status", "hook", "twilio", "a b", "ünï", "日本", "x+y", "100%"]
_NAMES = [
    "AccountSid",
    "MessageSid",
    "SmsSid",
    "Body",
    "From",
    "To",
    "MessageStatus",
    "CallSid",
    "CallStatus",
    "MediaUrl0",
    "Ünicode",
    "a",
    "B",
    "_x",
]
_VALUE_CHARS = "abcXYZ019 +-_/:=&?%#é漢😀\n\t"


class MultiDict(dict):
    """``name -> [values]`` with the ``getall`` that twilio's RequestValidator looks for."""

    def getall(self, name: str) -> list[str]:
        return self[name]


@dataclass
class Case:
    """One generated webhook."""

    token: str
    request_url: str
    """The URL the receiver sees."""
    signed_url: str
    """The URL Twilio signed (the request URL, or it with the port added or removed)."""
    algorithm: str
    pairs: list[tuple[str, str]] = field(default_factory=list)
    """Form parameters in request order (repeats allowed); unused for JSON cases."""
    body: str | None = None
    """The JSON body, for JSON cases."""

    @property
    def multidict(self) -> MultiDict:
        result = MultiDict()
        for name, value in self.pairs:
            result.setdefault(name, []).append(value)
        return result


def _value(rng: random.Random) -> str:
    return "".join(rng.choice(_VALUE_CHARS) for _ in range(rng.randint(0, 12)))


def _path(rng: random.Random) -> str:
    segments = [quote(rng.choice(_WORDS), safe="") for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.2:
        segments.append("ünïcode-raw")  # not percent-encoded
    return "/" + "/".join(segments)


def _json_value(rng: random.Random, depth: int = 0) -> object:
    roll = rng.random()
    if depth < 2 and roll < 0.25:
        return {_value(rng) or "k": _json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    if depth < 2 and roll < 0.4:
        return [_json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return rng.choice([_value(rng), rng.randint(-5, 10**6), True, None, 1.5])


def generate_cases(seed: int, count: int) -> list[Case]:
    """Generate ``count`` random webhooks (about a third with JSON bodies).

    Args:
        seed: RNG seed.
        count: Number of cases.

    Returns:
        The cases.
    """
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        scheme = rng.choice(["http", "https"])
        default_port = 443 if scheme == "https" else 80
        port = rng.choice([None, None, default_port, rng.randint(1024, 65535)])
        host = rng.choice(_HOSTS) + (f":{port}" if port else "")
        url = f"{scheme}://{host}{_path(rng)}"
        query = [
            f"{quote(rng.choice(_WORDS))}={quote(_value(rng))}" for _ in range(rng.randint(0, 3))
        ]
        is_json = rng.random() < 0.35
        body = None
        pairs: list[tuple[str, str]] = []
        if is_json:
            document = {rng.choice(_NAMES): _json_value(rng) for _ in range(rng.randint(0, 6))}
            body = json.dumps(document, ensure_ascii=rng.random() < 0.5)
            query.append(f"bodySHA256={compute_body_hash(body)}")
        else:
            for _ in range(rng.randint(0, 8)):
                name = rng.choice(_NAMES)
                pairs.append((name, _value(rng)))
                if rng.random() < 0.2:  # a repeated name, sometimes with a repeated value
                    pairs.append((name, rng.choice([pairs[-1][1], _value(rng)])))
        if query:
            url += "?" + "&".join(query)
        # Twilio may have signed the URL with the default port added or with the port removed.
        signed = url
        if rng.random() < 0.4:
            bare = f"{scheme}://{host.split(':')[0]}"
            signed = (
                url.replace(f"{scheme}://{host}", bare, 1)
                if port
                else url.replace(bare, f"{bare}:{default_port}", 1)
            )
        cases.append(
            Case(
                token="".join(rng.choice("0123456789abcdef") for _ in range(32)),
                request_url=url,
                signed_url=signed,
                algorithm=rng.choice(["HMAC_SHA1", "HMAC_SHA1", "HMAC_SHA1", "HMAC_SHA256"]),
                pairs=pairs,
                body=body,
            )
        )
    return cases
