"""Back-channel logout tokens: what is accepted from Keycloak, and the forgeries refused."""

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from taskwire_auth import InvalidToken, JwksCache, LogoutTokenValidator
from taskwire_auth.logout_tokens import BACKCHANNEL_LOGOUT_EVENT

ISSUER = "http://localhost:8180/realms/taskwire"
CLIENT = "taskwire-web"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwks() -> dict[str, Any]:
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key(), as_dict=True)
    return {"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}


def _claims(**overrides: Any) -> dict[str, Any]:
    """Shaped like the logout tokens Keycloak 26 sends."""
    claims: dict[str, Any] = {
        "iat": int(time.time()),
        "jti": "c1b2a3",
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "user-1",
        "typ": "Logout",
        "sid": "session-1",
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}, "revoke_offline_access": True},
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _token(claims: dict[str, Any], key: rsa.RSAPrivateKey = KEY, alg: str = "RS256") -> str:
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": "k1"})


def _validator() -> LogoutTokenValidator:
    return LogoutTokenValidator(JwksCache(_jwks), ISSUER, CLIENT)


def test_a_logout_token_from_keycloak_names_the_ended_session() -> None:
    notice = _validator().validate(_token(_claims()))
    assert notice.session_id == "session-1"
    assert notice.subject == "user-1"


def test_a_logout_token_with_only_a_subject_ends_every_session_of_the_user() -> None:
    notice = _validator().validate(_token(_claims(sid=None)))
    assert notice.session_id is None
    assert notice.subject == "user-1"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        (_claims(aud="task-api"), "token rejected"),
        (_claims(iss="http://evil/realms/taskwire"), "token rejected"),
        (_claims(events=None), "token rejected"),
        (_claims(jti=None), "token rejected"),
        (_claims(events={"http://schemas.openid.net/event/other": {}}), "back-channel logout"),
        (_claims(events={BACKCHANNEL_LOGOUT_EVENT: "yes"}), "back-channel logout"),
        (_claims(nonce="n-0S6_WzA2Mj"), "nonce"),
        (_claims(typ="Bearer"), "not a logout token"),
        (_claims(typ="ID"), "not a logout token"),
        (_claims(sid=None, sub=None), "`sid` or `sub`"),
        (_claims(iat=int(time.time()) - 600), "too old"),
        (_claims(exp=int(time.time()) - 60), "token expired"),
    ],
)
def test_a_bad_logout_token_is_refused(claims: dict[str, Any], reason: str) -> None:
    with pytest.raises(InvalidToken, match=reason):
        _validator().validate(_token(claims))


def test_a_logout_token_signed_by_another_key_is_refused() -> None:
    with pytest.raises(InvalidToken, match="token rejected"):
        _validator().validate(_token(_claims(), key=OTHER_KEY))


def test_an_unsigned_logout_token_is_refused() -> None:
    forged = jwt.encode(_claims(), key=None, algorithm="none", headers={"kid": "k1"})
    with pytest.raises(InvalidToken, match="unsupported signing algorithm"):
        _validator().validate(forged)


def test_a_logout_token_from_the_future_is_refused() -> None:
    validator = LogoutTokenValidator(
        JwksCache(_jwks), ISSUER, CLIENT, clock=lambda: time.time() - 3600
    )
    with pytest.raises(InvalidToken):
        validator.validate(_token(_claims()))
