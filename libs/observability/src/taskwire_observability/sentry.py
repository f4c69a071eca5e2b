"""Error reporting to Sentry, only when a DSN is configured."""

import sentry_sdk


def init_sentry(dsn: str | None, service: str) -> None:
    if dsn:
        sentry_sdk.init(dsn=dsn, server_name=service, send_default_pii=False)
