"""`/notifications`: the caller's own notifications (contract section 4)."""

from typing import Any
from uuid import UUID

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from notification_consumer.api.errors import documented
from notification_consumer.api.schemas import NotificationListArgs, NotificationPageSchema
from notification_consumer.service.notifications import NotificationService
from taskwire_auth import authenticated, current_principal

blp = Blueprint(
    "notifications", __name__, url_prefix="/notifications", description="Your notifications."
)


def notifications() -> NotificationService:
    service: NotificationService = current_app.extensions["notification_service"]
    return service


@blp.route("")
class Notifications(MethodView):
    decorators = [authenticated()]

    @blp.arguments(NotificationListArgs(), location="query", unknown=ma.RAISE)
    @blp.response(200, NotificationPageSchema)
    @documented(blp, 401, 422, 503)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List your notifications, newest first, one keyset page at a time."""
        owner = UUID(current_principal().subject)
        page = notifications().list_notifications(owner, args["limit"], args.get("cursor"))
        return {"items": [n.as_api() for n in page.items], "next_cursor": page.next_cursor}
