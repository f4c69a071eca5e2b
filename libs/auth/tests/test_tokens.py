"""Token validation on tokens signed by a key made here: what is accepted and what is refused."""

import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from taskwire_auth import InvalidToken, JwksCache, Principal, TokenValidator

ISSUER = "http://localhost:8180/realms/taskwire"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwks(*pairs: tuple[str, rsa.RSAPrivateKey]) -> dict[str, Any]:
    keys = []
    for kid, private in pairs:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
        keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
    return {"keys": keys}


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": ["task-api", "account"],
        "sub": "user-1",
        "iat": now,
        "exp": now + 300,
        "typ": "Bearer",
        "sid": "session-1",
        "preferred_username": "alice",
        "email": "alice@example.com",
        "realm_access": {"roles": ["user"]},
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _token(claims: dict[str, Any], key: rsa.RSAPrivateKey = KEY, kid: str = "k1") -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def _validator(
    fetch: Callable[[], dict[str, Any]] | None = None,
    is_revoked: Callable[[Principal], bool] = lambda _p: False,
) -> TokenValidator:
    keys = JwksCache(fetch or (lambda: _jwks(("k1", KEY))))
    return TokenValidator(keys, ISSUER, "task-api", is_revoked=is_revoked)


def test_a_valid_access_token_gives_the_principal() -> None:
    principal = _validator().validate(_token(_claims()))
    assert principal.subject == "user-1"
    assert principal.username == "alice"
    assert principal.roles == frozenset({"user"})
    assert principal.session_id == "session-1"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        (_claims(exp=int(time.time()) - 60), "token expired"),
        (_claims(aud="account"), "token rejected"),
        (_claims(iss="http://evil/realms/taskwire"), "token rejected"),
        (_claims(nbf=int(time.time()) + 600), "token rejected"),
        (_claims(typ="Refresh"), "not an access token"),
        (_claims(sub=None), "token rejected"),
    ],
)
def test_a_token_with_a_bad_claim_is_refused(claims: dict[str, Any], reason: str) -> None:
    with pytest.raises(InvalidToken, match=reason):
        _validator().validate(_token(claims))


def test_a_token_signed_by_another_key_with_a_known_kid_is_refused() -> None:
    with pytest.raises(InvalidToken, match="token rejected"):
        _validator().validate(_token(_claims(), key=OTHER_KEY))


def test_an_unsigned_alg_none_token_is_refused() -> None:
    forged = jwt.encode(_claims(), key=None, algorithm="none", headers={"kid": "k1"})
    with pytest.raises(InvalidToken, match="unsupported signing algorithm"):
        _validator().validate(forged)


def test_an_hs256_token_keyed_with_the_public_key_is_refused() -> None:
    forged = jwt.encode(
        _claims(), "a-shared-secret-of-32-bytes-long!", algorithm="HS256", headers={"kid": "k1"}
    )
    with pytest.raises(InvalidToken, match="unsupported signing algorithm"):
        _validator().validate(forged)


def test_garbage_is_a_malformed_token() -> None:
    with pytest.raises(InvalidToken, match="malformed"):
        _validator().validate("not.a.jwt")


def test_a_revoked_session_is_refused() -> None:
    validator = _validator(is_revoked=lambda p: p.session_id == "session-1")
    with pytest.raises(InvalidToken, match="session of this token has ended"):
        validator.validate(_token(_claims()))


def test_a_rotated_key_is_fetched_once_when_its_kid_is_first_seen() -> None:
    calls: list[int] = []
    published = [_jwks(("k1", KEY))]

    def fetch() -> dict[str, Any]:
        calls.append(1)
        return published[-1]

    validator = TokenValidator(JwksCache(fetch, min_refetch_seconds=0), ISSUER, "task-api")
    validator.validate(_token(_claims()))
    validator.validate(_token(_claims()))
    assert len(calls) == 1  # cached: no fetch per request
    published.append(_jwks(("k1", KEY), ("k2", OTHER_KEY)))
    validator.validate(_token(_claims(), key=OTHER_KEY, kid="k2"))
    validator.validate(_token(_claims(), key=OTHER_KEY, kid="k2"))
    assert len(calls) == 2  # one refetch for the new kid


def test_unknown_kids_cannot_make_the_cache_fetch_more_than_once_per_interval() -> None:
    calls: list[int] = []

    def fetch() -> dict[str, Any]:
        calls.append(1)
        return _jwks(("k1", KEY))

    validator = _validator(fetch)
    for n in range(20):
        with pytest.raises(InvalidToken, match="unknown signing key"):
            validator.validate(_token(_claims(), kid=f"forged-{n}"))
    assert len(calls) == 1


def test_known_keys_keep_working_when_the_jwks_endpoint_is_down() -> None:
    answers: list[dict[str, Any] | Exception] = [_jwks(("k1", KEY)), ConnectionError("down")]

    def fetch() -> dict[str, Any]:
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    keys = JwksCache(fetch, max_age_seconds=0, min_refetch_seconds=0)
    validator = TokenValidator(keys, ISSUER, "task-api")
    validator.validate(_token(_claims()))
    assert validator.validate(_token(_claims())).subject == "user-1"
