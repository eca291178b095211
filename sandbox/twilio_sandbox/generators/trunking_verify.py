"""Elastic SIP Trunking trunks and Verify services."""

from __future__ import annotations

import random
from typing import Any

from twilio_sandbox.formats import iso
from twilio_sandbox.generators.base import AccountCtx
from twilio_sandbox.generators.common import new_sid
from twilio_sandbox.generators.product_common import TRUNKING, VERIFY

# --------------------------------------------------------------------------- trunking / verify


def sip_trunk(ctx: AccountCtx, rng: random.Random, ts: int, i: int = 0) -> dict[str, Any]:
    """An Elastic SIP Trunk."""
    sid = new_sid(rng, "TK")
    url = f"{TRUNKING}/Trunks/{sid}"
    name = ("Main PBX", "Contact center — backup")[i % 2]
    return {
        "account_sid": ctx.sid,
        "domain_name": f"{ctx.label.replace('_', '-')}-{i}-{sid[-6:]}.pstn.twilio.com",
        "disaster_recovery_method": "POST",
        "disaster_recovery_url": "https://hooks.example.com/dr" if i % 2 else None,
        "friendly_name": name,
        "secure": i % 2 == 0,
        "recording": {
            "mode": rng.choice(("do-not-record", "record-from-ringing")),
            "trim": "do-not-trim",
        },
        "transfer_mode": rng.choice(("disable-all", "enable-all", "sip-only")),
        "transfer_caller_id": rng.choice(("from-transferee", "from-transferor")),
        "cnam_lookup_enabled": rng.random() < 0.5,
        "auth_type": "",
        "symmetric_rtp_enabled": False,
        "auth_type_set": [],
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "sid": sid,
        "url": url,
        "links": {
            "origination_urls": f"{url}/OriginationUrls",
            "credential_lists": f"{url}/CredentialLists",
            "ip_access_control_lists": f"{url}/IpAccessControlLists",
            "phone_numbers": f"{url}/PhoneNumbers",
        },
    }


def verify_service(ctx: AccountCtx, rng: random.Random, ts: int, i: int = 0) -> dict[str, Any]:
    """A Verify Service."""
    sid = new_sid(rng, "VA")
    url = f"{VERIFY}/Services/{sid}"
    return {
        "sid": sid,
        "account_sid": ctx.sid,
        "friendly_name": ("Acme Login", "Café Rewards ☕", "2FA – Backoffice")[i % 3],  # noqa: RUF001
        "code_length": (6, 4, 8)[i % 3],
        "lookup_enabled": rng.random() < 0.5,
        "psd2_enabled": False,
        "skip_sms_to_landlines": rng.random() < 0.5,
        "dtmf_input_required": True,
        "tts_name": None,
        "do_not_share_warning_enabled": rng.random() < 0.5,
        "custom_code_enabled": False,
        "push": {"include_date": False, "apn_credential_sid": None, "fcm_credential_sid": None},
        "totp": {"issuer": "Acme", "time_step": 30, "code_length": 6, "skew": 1},
        "default_template_sid": new_sid(rng, "HJ") if rng.random() < 0.5 else None,
        "whatsapp": {"msg_service_sid": None, "from": None},
        "passkeys": {
            "relying_party": {"id": None, "name": None, "origins": None},
            "authenticator_attachment": None,
            "discoverable_credentials": None,
            "user_verification": None,
        },
        "verify_event_subscription_enabled": False,
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "url": url,
        "links": {
            k: f"{url}/{v}"
            for k, v in (
                ("verification_checks", "VerificationCheck"),
                ("verifications", "Verifications"),
                ("rate_limits", "RateLimits"),
                ("messaging_configurations", "MessagingConfigurations"),
                ("entities", "Entities"),
                ("webhooks", "Webhooks"),
                ("access_tokens", "AccessTokens"),
            )
        },
    }
