"""Webhook signatures: documented vectors, generated cases vs. twilio's RequestValidator."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator  # test-only oracle

from tap_twilio.webhooks import (
    compute_body_hash,
    compute_signature,
    signature_algorithm,
    url_variants,
    validate_signature,
)
from tests import webhook_vectors as v
from tests.webhook_support import (
    TOKEN,
    _group,
)


def test_documented_form_vector():
    assert compute_signature(v.DOC_TOKEN, v.DOC_FORM_URL, v.DOC_FORM_PARAMS) == (
        v.DOC_FORM_SIGNATURE
    )
    assert validate_signature(v.DOC_TOKEN, v.DOC_FORM_URL, v.DOC_FORM_PARAMS, v.DOC_FORM_SIGNATURE)
    pairs = list(v.DOC_FORM_PARAMS.items())[::-1]  # order of arrival does not matter
    assert validate_signature(v.DOC_TOKEN, v.DOC_FORM_URL, pairs, v.DOC_FORM_SIGNATURE)
    assert not validate_signature("54321", v.DOC_FORM_URL, v.DOC_FORM_PARAMS, v.DOC_FORM_SIGNATURE)
    assert not validate_signature(
        v.DOC_TOKEN, v.DOC_FORM_URL, {**v.DOC_FORM_PARAMS, "Digits": "1235"}, v.DOC_FORM_SIGNATURE
    )


def test_documented_json_vector():
    assert compute_body_hash(v.DOC_JSON_BODY) == v.DOC_JSON_HASH
    assert compute_body_hash(v.DOC_JSON_BODY.encode()) == v.DOC_JSON_HASH
    assert compute_signature(v.DOC_TOKEN, v.DOC_JSON_URL) == v.DOC_JSON_SIGNATURE
    for body in (v.DOC_JSON_BODY, v.DOC_JSON_BODY.encode()):
        assert validate_signature(v.DOC_TOKEN, v.DOC_JSON_URL, body, v.DOC_JSON_SIGNATURE)
    # the signature covers the URL only, the body is covered by bodySHA256
    tampered = v.DOC_JSON_BODY.replace("true", "false")
    assert not validate_signature(v.DOC_TOKEN, v.DOC_JSON_URL, tampered, v.DOC_JSON_SIGNATURE)
    # a non-form body without bodySHA256 cannot be authenticated
    url = "https://mycompany.com/myapp.php"
    assert not validate_signature(
        v.DOC_TOKEN, url, v.DOC_JSON_BODY, compute_signature(v.DOC_TOKEN, url)
    )


@pytest.mark.parametrize(
    ("signed", "requested"),
    [
        ("https://mycompany.com/myapp.php?foo=1", "https://mycompany.com:443/myapp.php?foo=1"),
        ("https://mycompany.com:443/myapp.php?foo=1", "https://mycompany.com/myapp.php?foo=1"),
        ("http://mycompany.com/a", "http://mycompany.com:80/a"),
        ("http://mycompany.com:80/a", "http://mycompany.com/a"),
        ("https://mycompany.com/a", "https://mycompany.com:8443/a"),  # as twilio-python
    ],
)
def test_port_added_or_removed(signed, requested):
    signature = compute_signature(v.DOC_TOKEN, signed, v.DOC_FORM_PARAMS)
    assert validate_signature(v.DOC_TOKEN, requested, v.DOC_FORM_PARAMS, signature)
    oracle = RequestValidator(v.DOC_TOKEN)
    assert oracle.validate(requested, v.DOC_FORM_PARAMS, signature)


def test_url_variants():
    assert url_variants("https://h/x?y=1") == ["https://h/x?y=1", "https://h:443/x?y=1"]
    assert url_variants("http://h:8080/x") == ["http://h:8080/x", "http://h/x"]
    assert url_variants("https://u:p@[::1]:8443/x") == [
        "https://u:p@[::1]:8443/x",
        "https://u:p@[::1]/x",
    ]
    assert url_variants("https://[::1]") == ["https://[::1]", "https://[::1]:443"]
    assert url_variants("not a url") == ["not a url"]


def test_algorithms():
    assert signature_algorithm(None) == "HMAC_SHA1"
    assert signature_algorithm("key=KS123,algorithm=HMAC_SHA256") == "HMAC_SHA256"
    assert signature_algorithm("key=KS123") == "HMAC_SHA1"
    url, params = v.DOC_FORM_URL, v.DOC_FORM_PARAMS
    sha256 = RequestValidator(TOKEN).compute_signature(url, params, algorithm="HMAC_SHA256")
    assert compute_signature(TOKEN, url, params, algorithm="HMAC_SHA256") == sha256
    assert validate_signature(TOKEN, url, params, sha256, algorithm="HMAC_SHA256")
    assert not validate_signature(TOKEN, url, params, sha256)  # SHA1 expected
    assert not validate_signature(TOKEN, url, params, sha256, algorithm="HMAC_MD5")
    with pytest.raises(ValueError, match="unsupported"):
        compute_signature(TOKEN, url, params, algorithm="HMAC_MD5")
    assert not validate_signature(TOKEN, url, params, None)
    assert not validate_signature(TOKEN, url, params, "")
    assert not validate_signature(TOKEN, url, params, "ünïcode")


CASES = v.generate_cases(seed=20240611, count=400)


def _check(case: v.Case, url: str, token: str, pairs, body, signature: str, expected: bool):
    """Both implementations agree, and agree with the expectation."""
    oracle = RequestValidator(token)
    if case.body is None:
        theirs = oracle.validate(url, v.MultiDict(_group(pairs)), signature, case.algorithm)
        mine_pairs = validate_signature(token, url, pairs, signature, algorithm=case.algorithm)
        mine_dict = validate_signature(
            token, url, _group(pairs), signature, algorithm=case.algorithm
        )
        assert mine_pairs == mine_dict
    else:
        theirs = oracle.validate(url, body, signature, case.algorithm)
        mine_dict = validate_signature(
            token, url, body.encode("utf-8"), signature, algorithm=case.algorithm
        )
    assert (mine_dict, theirs) == (expected, expected), (case, url, signature)


def test_generated_cases_agree_with_twilio_library():
    kinds = {"json": 0, "form": 0, "repeated": 0, "port-variant": 0, "sha256": 0}
    for case in CASES:
        oracle = RequestValidator(case.token)
        params = {} if case.body is not None else v.MultiDict(_group(case.pairs))
        signature = oracle.compute_signature(case.signed_url, params, case.algorithm)
        assert signature == compute_signature(
            case.token, case.signed_url, case.pairs, algorithm=case.algorithm
        )
        pairs, body = case.pairs, case.body
        # the genuine request
        _check(case, case.request_url, case.token, pairs, body, signature, True)
        # wrong token
        _check(case, case.request_url, case.token[::-1] + "x", pairs, body, signature, False)
        # changed URL (path or query)
        scheme, rest = case.request_url.split("://", 1)
        changed = f"{scheme}://{rest.replace('/', '/z', 1) if '/' in rest else rest + '/z'}"
        _check(case, changed, case.token, pairs, body, signature, False)
        # a flipped signature character
        flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
        _check(case, case.request_url, case.token, pairs, body, flipped, False)
        if body is None:
            # a changed, added or dropped parameter
            extra = [*pairs, ("Extra", "1")]
            _check(case, case.request_url, case.token, extra, body, signature, False)
            if pairs:
                name, value = pairs[0]
                changed_pairs = [(name, value + "x"), *pairs[1:]]
                _check(case, case.request_url, case.token, changed_pairs, body, signature, False)
                dropped = [p for p in pairs if p[0] != name]
                _check(case, case.request_url, case.token, dropped, body, signature, False)
            kinds["form"] += 1
            kinds["repeated"] += len(pairs) != len({n for n, _ in pairs})
        else:
            # a changed body (the URL's bodySHA256 no longer matches)
            _check(case, case.request_url, case.token, pairs, body + " ", signature, False)
            kinds["json"] += 1
        kinds["port-variant"] += case.signed_url != case.request_url
        kinds["sha256"] += case.algorithm == "HMAC_SHA256"
    # the generator covers every kind of case
    assert all(count >= 20 for count in kinds.values()), kinds


# ---------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------
