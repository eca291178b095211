"""Available phone numbers (AvailablePhoneNumbers countries and numbers)."""

from __future__ import annotations

import random
from typing import Any

from twilio_sandbox.generators.base import AccountCtx, GeneratorBase
from twilio_sandbox.generators.common import (
    AVAILABLE_COUNTRIES,
    LOCAL_PLACES,
    NUMBER_PREFIXES,
    NUMBER_TYPE_PATHS,
    formatted,
    us_number,
)


class NumbersGen(GeneratorBase):
    """Available phone numbers (AvailablePhoneNumbers countries and numbers)."""

    # ------------------------------------------------------------------ available numbers

    def country(self, ctx: AccountCtx, code: str) -> dict[str, Any]:
        """An AvailablePhoneNumbers country entry."""
        name, types = AVAILABLE_COUNTRIES[code]
        base = f"{ctx.base}/AvailablePhoneNumbers/{code}"
        return {
            "country_code": code,
            "country": name,
            "uri": f"{base}.json",
            "beta": False,
            "subresource_uris": {t: f"{base}/{NUMBER_TYPE_PATHS[t]}.json" for t in types},
        }

    def available_number(self, rng: random.Random, code: str, kind: str) -> dict[str, Any]:
        """An available number (the same for every account)."""
        if code in ("US", "CA"):
            if kind == "toll_free":
                prefix = rng.choice(("833", "844", "855", "866", "877", "888"))
                number = f"+1{prefix}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
                place = (None, None, None, None, None, None)
            elif code == "US":
                place = rng.choice(
                    (
                        (
                            "415",
                            "San Francisco",
                            "SNFC CA 01",
                            "CA",
                            "94105",
                            "722",
                            37.78,
                            -122.39,
                        ),
                        ("808", "Hilo", "HILO", "HI", "96720", "834", 19.72, -155.09),
                        ("212", "New York", "NWYRCYZN01", "NY", "10007", "132", 40.71, -74.01),
                        ("512", "Austin", "AUSTIN", "TX", "78701", "558", 30.27, -97.74),
                    )
                )
                number = us_number(rng, place[0])
            else:
                place = rng.choice(
                    (
                        ("514", "Montréal", "MONTREAL", "QC", "H2Y 1C6", None, 45.50, -73.57),
                        ("416", "Toronto", "TORONTO", "ON", "M5H 2N2", None, 43.65, -79.38),
                    )
                )
                number = us_number(rng, place[0])
        else:
            prefix = NUMBER_PREFIXES[(code, kind)]
            digits = 13 - len(prefix) + 1
            number = prefix + "".join(str(rng.randint(0, 9)) for _ in range(digits))
            if kind == "local":
                locality, region, lat, lon = LOCAL_PLACES[code]
                place = ("", locality, None, region, None, None, lat, lon)
            else:
                place = (None, None, None, None, None, None)
        has_place = len(place) == 8
        mobile = kind == "mobile"
        return {
            "friendly_name": formatted(number),
            "phone_number": number,
            "lata": place[5] if has_place else None,
            "locality": place[1] if has_place else None,
            "rate_center": place[2] if has_place else None,
            # Declared ``number`` in the spec, but Twilio sends strings like "19.720000".
            "latitude": f"{place[6]:.6f}" if has_place else None,
            "longitude": f"{place[7]:.6f}" if has_place else None,
            "region": place[3] if has_place else None,
            "postal_code": place[4] if has_place else None,
            "iso_country": code,
            "address_requirements": "none" if code == "US" else rng.choice(("any", "local")),
            "beta": False,
            "capabilities": {
                "voice": kind != "machine_to_machine",
                "SMS": code not in ("GB", "SE") or mobile or kind == "machine_to_machine",
                "MMS": code in ("US", "CA") and kind != "toll_free",
                "fax": False,
            },
        }
