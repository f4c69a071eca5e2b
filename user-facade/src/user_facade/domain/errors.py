"""What can go wrong with an identity use case, in domain terms."""


class UsernameTaken(Exception):
    """Another account has this username."""


class EmailTaken(Exception):
    """Another account has this e-mail address."""


class SignupRejected(Exception):
    """The realm refused a field (its password policy included); messages are for the user."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class InvalidCredentials(Exception):
    """Wrong password, unknown user, locked or disabled account: all look the same."""


class InvalidRefreshToken(Exception):
    """Malformed, expired, rotated away or logged out."""


class IdentityProviderUnavailable(Exception):
    """Keycloak did not answer in time, or answered with something we cannot use."""


class TooManyRequests(Exception):
    """The caller's address used up its allowance for this operation."""

    def __init__(self, retry_after_seconds: float) -> None:
        super().__init__(retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds
