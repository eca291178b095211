"""The one config loader, the credential rules and the secret setting names.

Used by the tap (``tap.py``, ``cli.py``), the actions (``tap_twilio.actions``) and the
webhook receiver (``tap_twilio.webhooks``), so that a config file is read, checked and
described in the same words whichever of them reads it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import typing as t

from tap_twilio.api.transforms import parse_datetime

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

REGIONS = ("us1", "us2", "ie1", "au1", "jp1", "sg1", "br1", "de1")
EDGES = (
    "ashburn",
    "umatilla",
    "dublin",
    "frankfurt",
    "singapore",
    "sydney",
    "tokyo",
    "sao-paulo",
    "roaming",
)
ACCOUNT_SID_PATTERN = "^AC[0-9a-fA-F]{32}$"
API_KEY_SID_PATTERN = "^SK[0-9a-fA-F]{32}$"
SID_PATTERNS = {
    "account_sid": re.compile(ACCOUNT_SID_PATTERN),
    "api_key_sid": re.compile(API_KEY_SID_PATTERN),
}
#: Settings whose values are never printed (``--about`` marks them secret).
SECRET_SETTINGS = ("auth_token", "api_key_secret", "webhook_auth_token")
REDACTED = "[REDACTED]"
#: ``--config ENV`` reads ``TAP_TWILIO_<SETTING>`` variables.
ENV_PREFIX = "TAP_TWILIO_"


def _optional(kind: str, **rules: t.Any) -> dict[str, t.Any]:
    return {"type": [kind, "null"], **rules}


#: What the actions need: the connection settings of the tap's schema, with the same types
#: and limits as ``TapTwilio.config_jsonschema`` (tests/test_config.py compares them).
CONNECTION_SCHEMA: dict[str, t.Any] = {
    "type": "object",
    "properties": {
        "account_sid": {"type": ["string"], "pattern": ACCOUNT_SID_PATTERN},
        "auth_token": _optional("string"),
        "api_key_sid": _optional("string", pattern=API_KEY_SID_PATTERN),
        "api_key_secret": _optional("string"),
        "region": _optional("string", enum=list(REGIONS)),
        "edge": _optional("string", enum=list(EDGES)),
        "base_url": _optional("string"),
        "request_timeout": _optional("integer", minimum=1),
        "max_retries": _optional("integer", minimum=0, maximum=20),
        "user_agent": _optional("string"),
    },
    "required": ["account_sid"],
}

#: What webhook-mode reads (``--config ENV`` reads these from the environment).
WEBHOOK_SCHEMA: dict[str, t.Any] = {
    "type": "object",
    "properties": {
        **{
            name: CONNECTION_SCHEMA["properties"][name]
            for name in ("auth_token", "api_key_sid", "api_key_secret")
        },
        "webhook_auth_token": _optional("string"),
        "webhook_public_url": _optional("string"),
        "webhook_host": _optional("string"),
        "webhook_port": _optional("integer", minimum=0, maximum=65535),
    },
}


class ConfigError(Exception):
    """A configuration problem, described in one line that never holds a secret."""


# Reading ----------------------------------------------------------------------------------


def read_json_file(kind: str, path: str) -> tuple[t.Any, str | None]:
    """A JSON file's value, or None and a one-line reason why it cannot be read.

    Args:
        kind: What the file is (config, state, catalog), for the message.
        path: The file.

    Returns:
        ``(value, None)`` or ``(None, problem)``.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return None, f"{kind} file {path} does not exist"
    except UnicodeDecodeError:
        return None, f"{kind} file {path} is not UTF-8 text"
    except OSError as exc:
        return None, f"{kind} file {path} cannot be read ({exc.strerror or type(exc).__name__})"
    if not text.strip():
        return None, f"{kind} file {path} is empty (it must hold a JSON object)"
    try:
        return json.loads(text), None
    except ValueError as exc:
        where = (
            f" (line {exc.lineno}, column {exc.colno})"
            if isinstance(exc, json.JSONDecodeError)
            else ""
        )
        return None, f"{kind} file {path} is not valid JSON{where}"
    except RecursionError:
        return None, f"{kind} file {path} is nested too deeply to read"


def read_object_file(kind: str, path: str) -> tuple[dict[str, t.Any] | None, str | None]:
    """A JSON file's object, or None and a one-line reason why it cannot be used."""
    value, problem = read_json_file(kind, path)
    if problem:
        return None, problem
    if not isinstance(value, dict):
        return None, f"{kind} file {path} must hold a JSON object, not {json_kind(value)}"
    return value, None


def load_config(paths: Iterable[str], schema: Mapping[str, t.Any]) -> dict[str, t.Any]:
    """Read and merge config files (later ones win), like the tap's ``--config``.

    ``ENV`` instead of a path reads ``TAP_TWILIO_<SETTING>`` for each setting of
    ``schema``, converted to the setting's type (integer, number, boolean) when it can be.

    Args:
        paths: Config file paths, or ``ENV``.
        schema: The settings read from the environment.

    Returns:
        The merged config.

    Raises:
        ConfigError: A file is missing, unreadable, not JSON or not a JSON object.
    """
    config: dict[str, t.Any] = {}
    for path in paths:
        if path == "ENV":
            config.update(_from_environment(schema))
            continue
        loaded, problem = read_object_file("config", path)
        if problem:
            raise ConfigError(problem)
        config.update(loaded or {})
    return config


def _from_environment(schema: Mapping[str, t.Any]) -> dict[str, t.Any]:
    found: dict[str, t.Any] = {}
    for name, prop in schema.get("properties", {}).items():
        text = os.environ.get(ENV_PREFIX + name.upper())
        if text is None:
            continue
        kinds = prop.get("type", [])
        kinds = [kinds] if isinstance(kinds, str) else kinds
        try:
            if "integer" in kinds:
                found[name] = int(text)
            elif "number" in kinds:
                found[name] = float(text)
            elif "boolean" in kinds and text.lower() in ("true", "false"):
                found[name] = text.lower() == "true"
            else:
                found[name] = text
        except ValueError:
            found[name] = text  # reported by the schema check, naming the setting
    return found


def option_values(args: list[str], option: str) -> list[str]:
    """Every value given to ``option`` (as ``option VALUE`` or ``option=VALUE``)."""
    values = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == option]
    return values + [arg.split("=", 1)[1] for arg in args if arg.startswith(f"{option}=")]


def unreadable_files(
    args: list[str],
    kind: str,
    check: Callable[[dict[str, t.Any]], str | None] | None = None,
    *,
    unread: str = "-",
) -> str | None:
    """A one-line reason why a ``--<kind>`` file cannot be used, if one cannot.

    Each file must hold a JSON object that ``check`` finds nothing wrong with. ``unread``
    is a value that names no file (``-``: standard input, which reading would consume).
    """
    for path in option_values(args, f"--{kind}"):
        if path == unread:
            continue
        value, problem = read_object_file(kind, path)
        if problem:
            return problem
        problem = check(value or {}) if check else None
        if problem:
            return f"{kind} file {path}: {problem}"
    return None


def unreadable_config(args: list[str]) -> str | None:
    """A one-line reason why a ``--config`` file cannot be used, if one cannot."""
    return unreadable_files(args, "config", unread="ENV")


def json_kind(value: t.Any) -> str:
    """The JSON name of a value's type, with its article ("a list", "null" …)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


# Rules ------------------------------------------------------------------------------------


def describe_schema_errors(config: Mapping[str, t.Any], schema: Mapping[str, t.Any]) -> list[str]:
    """Schema problems as lines that name the setting and never echo a secret."""
    from jsonschema import Draft7Validator

    lines = []
    for error in Draft7Validator(schema).iter_errors(dict(config)):
        setting = ".".join(str(p) for p in error.absolute_path) or "config"
        top = str(error.absolute_path[0]) if error.absolute_path else ""
        if error.validator == "required":
            lines.append(f"setting {error.message.split(chr(39))[1]} is required")
        elif top in SECRET_SETTINGS:
            kinds = error.schema.get("type", "string")
            kinds = [k for k in ([kinds] if isinstance(kinds, str) else kinds) if k != "null"]
            lines.append(f"setting {setting} must be a {' or '.join(kinds)}")
        else:
            lines.append(f"setting {setting}: {error.message}")
    return lines


def credential_problems(config: Mapping[str, t.Any]) -> list[str]:
    """The credential rules: an auth token or a whole API key, not both; a usable base_url."""
    problems = []
    has_token = bool(config.get("auth_token"))
    has_key = bool(config.get("api_key_sid") or config.get("api_key_secret"))
    if has_token and has_key:
        problems.append("give either auth_token or api_key_sid + api_key_secret, not both")
    elif not has_token and not has_key:
        problems.append("no credentials: set auth_token, or api_key_sid and api_key_secret")
    elif has_key and not (config.get("api_key_sid") and config.get("api_key_secret")):
        missing = "api_key_secret" if config.get("api_key_sid") else "api_key_sid"
        problems.append(
            f"API key auth needs both api_key_sid and api_key_secret; {missing} is missing"
        )
    base_url = config.get("base_url")
    if base_url and not str(base_url).startswith(("http://", "https://")):
        problems.append(f"setting base_url must start with http:// or https://: {base_url!r}")
    return problems


def connection_problems(config: t.Any) -> list[str]:
    """Problems with the settings a connection to Twilio needs (the actions' check)."""
    if not isinstance(config, dict):
        return [f"config must be a JSON object, not {json_kind(config)}"]
    return describe_schema_errors(config, CONNECTION_SCHEMA) or credential_problems(config)


def check_config(config: Mapping[str, t.Any]) -> list[str]:
    """The tap's checks the JSON schema cannot express; each problem is one line."""
    problems = credential_problems(config)
    start = config.get("start_date")
    if start:
        try:
            when = parse_datetime(str(start))
        except ValueError:
            problems.append(f"setting start_date is not an ISO 8601 date or datetime: {start!r}")
        else:
            if when > dt.datetime.now(dt.timezone.utc):
                problems.append(f"setting start_date is in the future: {start}")
    if config.get("account_sids") == []:
        problems.append("setting account_sids is empty: list at least one account SID or omit it")
    shard = config.get("account_shard")
    if shard is not None:
        match = re.fullmatch(r"([0-9]+)/([0-9]+)", str(shard))
        if not match or not 1 <= int(match[1]) <= int(match[2]):
            problems.append(
                f"setting account_shard must be i/N with 1 <= i <= N (e.g. 2/8): {shard!r}"
            )
        elif config.get("account_sids"):
            problems.append("give either account_sids or account_shard, not both")
    if config.get("emit_activate_version_messages"):
        # Each run would tell the target to drop the rows of the accounts it did not read.
        for setting in ("account_shard", "account_sids"):
            if config.get(setting):
                problems.append(
                    f"setting emit_activate_version_messages cannot be combined with {setting}: "
                    "each run would make the target drop the other accounts' rows"
                )
    return problems


def webhook_signing_key(config: Mapping[str, t.Any]) -> str:
    """The key Twilio signs webhooks with: ``webhook_auth_token``, else ``auth_token``.

    Raises:
        ConfigError: No key, or API-key auth without ``webhook_auth_token`` (Twilio never
            signs with an API key secret).
    """
    token = config.get("webhook_auth_token") or config.get("auth_token")
    if not token:
        if config.get("api_key_sid") or config.get("api_key_secret"):
            raise ConfigError(
                "webhook_auth_token is required with API-key auth: Twilio signs webhooks "
                "with the account's primary auth token, not with an API key secret"
            )
        raise ConfigError(
            "no webhook signing key: set webhook_auth_token (or auth_token) in the config"
        )
    if not isinstance(token, str):
        raise ConfigError("webhook_auth_token / auth_token must be a string")
    return token


# Secrets ----------------------------------------------------------------------------------


def redact(text: str, config: Mapping[str, t.Any]) -> str:
    """Replace every configured secret value in ``text`` by ``[REDACTED]``.

    Args:
        text: Text about to be shown.
        config: The config holding the secrets.

    Returns:
        The text without secrets.
    """
    for key in SECRET_SETTINGS:
        secret = config.get(key)
        if isinstance(secret, str) and len(secret) >= 4 and secret in text:
            text = text.replace(secret, REDACTED)
    return text


TWILIO_HOST = "twilio.com"


def product_url(config: t.Mapping[str, t.Any], product: str) -> str:
    """Base URL of a Twilio product for this config (base_url, region and edge aware)."""
    base_url = config.get("base_url")
    if base_url:
        return base_url.rstrip("/").replace("{product}", product)
    region, edge = config.get("region"), config.get("edge")
    if edge and not region:
        region = "us1"
    parts = [product, edge, region, TWILIO_HOST]
    return "https://" + ".".join(p for p in parts if p)
