"""Request and response schemas; they validate input and document the OpenAPI spec."""

import marshmallow as ma
from marshmallow import fields, validate

# Keycloak enforces the password policy (min 8 ...) and says why; this only bounds the input
# and refuses what Keycloak's database cannot store (PostgreSQL text holds no NUL character).
NO_NUL = validate.Regexp(r"^[^\x00]*\Z", error="Must not contain a NUL character.")
# Names a person types: no control characters at all (NUL, line breaks, tabs, DEL ...).
NO_CONTROL = validate.Regexp(r"^[^\x00-\x1f\x7f]*\Z", error="Must not contain control characters.")
PASSWORD = [validate.Length(min=1, max=1024), NO_NUL]
NAME = [validate.Length(max=255), NO_CONTROL]


class Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class SignupSchema(Strict):
    username = fields.String(required=True, validate=[validate.Length(min=3, max=255), NO_CONTROL])
    email = fields.Email(required=True, validate=[validate.Length(max=255), NO_CONTROL])
    password = fields.String(
        required=True,
        validate=PASSWORD,
        load_only=True,
        metadata={
            "description": "Checked by the realm's password policy (8 to 128 characters, "
            "not the username or e-mail address, not one of the last 3)."
        },
    )
    first_name = fields.String(validate=NAME, allow_none=True)
    last_name = fields.String(validate=NAME, allow_none=True)


class AccountSchema(ma.Schema):
    id = fields.String(metadata={"description": "Keycloak user id: the `sub` of your tokens."})
    username = fields.String()
    email = fields.String()


class LoginSchema(Strict):
    username = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=255), NO_CONTROL],
        metadata={"description": "Username or e-mail address."},
    )
    password = fields.String(required=True, validate=PASSWORD, load_only=True)


class RefreshTokenSchema(Strict):
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=16_384))


class TokensSchema(ma.Schema):
    access_token = fields.String(metadata={"description": "Send as `Authorization: Bearer ...`."})
    refresh_token = fields.String(metadata={"description": "Single use: refreshing rotates it."})
    token_type = fields.String(metadata={"enum": ["Bearer"]})
    expires_in = fields.Integer(metadata={"description": "Seconds the access token lives."})
    refresh_expires_in = fields.Integer(
        metadata={"description": "Seconds the refresh token lives unless used or logged out."}
    )


class MeSchema(ma.Schema):
    id = fields.String()
    username = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    roles = fields.List(fields.String(), metadata={"description": "Realm roles, e.g. user, admin."})


class LogoutTokenSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    logout_token = fields.String(required=True, validate=validate.Length(min=1, max=16_384))
