"""``X-Twilio-Signature``: how Twilio signs a webhook, checked as Twilio's libraries do.

Signature validation follows Twilio's own libraries (``twilio.request_validator`` in
Python, ``lib/webhooks/webhooks.js`` in Node) and uses the standard library only:

* form bodies (and GET requests, whose parameters live in the URL): the signed string is
  the full URL followed by, for each parameter name in sorted order and each of its distinct
  values in sorted order, ``name + value``;
* any other body (JSON): Twilio adds ``bodySHA256=<hex sha256 of the raw body>`` to the URL
  query, signs the URL alone, and the body must hash to that value;
* the signature is ``base64(HMAC-SHA1(auth token, signed string))`` (HMAC-SHA256 when the
  request's ``X-Twilio-Webhooks-Signature-Settings`` header says so), compared in constant
  time against the URL as received, the URL with its port removed and the URL with the
  default port added (``:443`` for https, ``:80`` for http), as Twilio may sign either.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import typing as t
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qs, urlsplit

SIGNATURE_HEADER = "X-Twilio-Signature"
SIGNATURE_SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"
HMAC_SHA1 = "HMAC_SHA1"
HMAC_SHA256 = "HMAC_SHA256"
_HASHES: dict[str, t.Callable[..., t.Any]] = {HMAC_SHA1: hashlib.sha1, HMAC_SHA256: hashlib.sha256}

FormParams = Mapping[str, str | Iterable[str]] | Iterable[tuple[str, str]]
"""Form parameters: a mapping name -> value(s), or (name, value) pairs (repeats allowed)."""


def _param_values(params: FormParams | None) -> dict[str, list[str]]:
    """Normalize form parameters to ``name -> [values]``.

    Args:
        params: A mapping (values a string or an iterable of strings) or (name, value) pairs.

    Returns:
        A dict of every parameter name to the list of its values.
    """
    result: dict[str, list[str]] = {}
    if params is None:
        return result
    if isinstance(params, Mapping):
        for name, value in params.items():
            values = [value] if isinstance(value, str) else list(value)
            result.setdefault(name, []).extend(values)
        return result
    for name, value in params:
        result.setdefault(name, []).append(value)
    return result


def compute_signature(
    auth_token: str,
    url: str,
    params: FormParams | None = None,
    *,
    algorithm: str = HMAC_SHA1,
) -> str:
    """Compute the ``X-Twilio-Signature`` Twilio sends for a request.

    Args:
        auth_token: The signing key (the account's auth token).
        url: The full URL exactly as signed (scheme, host, optional port, path and query).
        params: Form parameters (none for GET requests and JSON bodies).
        algorithm: ``HMAC_SHA1`` (Twilio's default) or ``HMAC_SHA256``.

    Returns:
        The base64 signature.

    Raises:
        ValueError: If the algorithm is not supported.
    """
    digest = _HASHES.get(algorithm.upper())
    if digest is None:
        msg = f"unsupported webhook signature algorithm: {algorithm!r}"
        raise ValueError(msg)
    parts = [url]
    for name, values in sorted(_param_values(params).items()):
        parts.extend(name + value for value in sorted(set(values)))
    mac = hmac.new(auth_token.encode("utf-8"), "".join(parts).encode("utf-8"), digest)
    return base64.b64encode(mac.digest()).decode("ascii")


def compute_body_hash(body: bytes | str) -> str:
    """Return the ``bodySHA256`` value Twilio puts in the URL of a non-form webhook.

    Args:
        body: The raw request body (a string is encoded as UTF-8).

    Returns:
        The lowercase hex SHA-256 of the body.
    """
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return hashlib.sha256(raw).hexdigest()


def _split_netloc(url: str) -> tuple[str, str, str, str | None, str] | None:
    """Split ``url`` into prefix (``scheme://userinfo@``), host, port and the rest, verbatim.

    Args:
        url: An absolute URL.

    Returns:
        ``(scheme, prefix, host, port or None, rest)``, or None if the URL has no authority.
    """
    scheme, sep, after = url.partition("://")
    if not sep or not scheme:
        return None
    end = len(after)
    for delimiter in "/?#":
        index = after.find(delimiter)
        if index != -1:
            end = min(end, index)
    netloc, rest = after[:end], after[end:]
    userinfo, at, hostport = netloc.rpartition("@")
    prefix = f"{scheme}://{userinfo}{at}"
    if hostport.startswith("["):  # IPv6 literal
        close = hostport.find("]")
        host, port_part = hostport[: close + 1], hostport[close + 1 :]
        port = port_part[1:] if port_part.startswith(":") else None
    else:
        host, colon, port_text = hostport.partition(":")
        port = port_text if colon else None
    return scheme.lower(), prefix, host, port or None, rest


def url_variants(url: str) -> list[str]:
    """Return the URLs a signature may have been computed over.

    Like Twilio's libraries: the URL with any port removed and the URL with the scheme's
    default port added when it has none (``:443`` for https, ``:80`` otherwise), plus the
    URL exactly as given.

    Args:
        url: The full request URL.

    Returns:
        The distinct candidate URLs, the given one first.
    """
    variants = [url]
    parts = _split_netloc(url)
    if parts is not None:
        scheme, prefix, host, port, rest = parts
        if port is None:
            default = "443" if scheme == "https" else "80"
            variants.append(f"{prefix}{host}:{default}{rest}")
        else:
            variants.append(f"{prefix}{host}{rest}")
    return list(dict.fromkeys(variants))


def _equal(expected: str, actual: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), actual.encode("utf-8"))


def validate_signature(
    auth_token: str,
    url: str,
    params: FormParams | bytes | str | None,
    signature: str | None,
    *,
    algorithm: str | None = None,
) -> bool:
    """Check a request's ``X-Twilio-Signature``.

    Args:
        auth_token: The signing key (the account's auth token).
        url: The full URL Twilio requested (scheme, host, optional port, path and query).
        params: For form-encoded requests the form parameters (a mapping or (name, value)
            pairs; None or empty for GET requests).  For any other body, the raw body
            (``bytes`` or ``str``): the URL must then carry ``bodySHA256`` and the body must
            hash to it; the signature covers the URL alone.
        signature: The ``X-Twilio-Signature`` header value (None when missing).
        algorithm: ``HMAC_SHA1`` (default) or ``HMAC_SHA256``, see
            :func:`signature_algorithm`.  Any other value fails validation.

    Returns:
        True if the signature is valid for this URL, parameters or body, and key.
    """
    algorithm = (algorithm or HMAC_SHA1).upper()
    if not signature or algorithm not in _HASHES:
        return False
    form: FormParams | None
    if isinstance(params, (bytes, str)):
        expected_hashes = parse_qs(urlsplit(url).query).get("bodySHA256")
        if expected_hashes:
            if not _equal(compute_body_hash(params), expected_hashes[0]):
                return False
        elif params:
            return False  # a non-form body without bodySHA256 cannot be authenticated
        form = None
    else:
        form = params
    valid = False
    for candidate in url_variants(url):
        # no short-circuit: every candidate costs the same
        valid |= _equal(
            compute_signature(auth_token, candidate, form, algorithm=algorithm), signature
        )
    return valid


def signature_algorithm(settings_header: str | None) -> str:
    """Read the algorithm named in an ``X-Twilio-Webhooks-Signature-Settings`` header.

    Args:
        settings_header: The header value, e.g. ``key=...,algorithm=HMAC_SHA256``.

    Returns:
        The algorithm name; ``HMAC_SHA1`` when the header or its ``algorithm`` is absent.
    """
    for part in (settings_header or "").split(","):
        name, sep, value = part.partition("=")
        if sep and name.strip() == "algorithm" and value.strip():
            return value.strip().upper()
    return HMAC_SHA1
