"""`/notifications/stream`: the caller's new notifications as Server-Sent Events (contract §4)."""

from flask import Response, current_app, request, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from notification_consumer.api.errors import documented
from notification_consumer.domain.stream import StreamPosition
from notification_consumer.service.stream import NotificationHub
from taskwire_auth import authenticated, current_principal

blp = Blueprint(
    "stream",
    __name__,
    url_prefix="/notifications/stream",
    description="Your new notifications, live.",
)

EVENT_STREAM = {
    "description": "An endless `text/event-stream` (docs/decisions.md): per new notification an"
    " event with `id:` its position and one `data:` line of its JSON (an item of"
    " GET /notifications); `:` comment heartbeats; a last event named `end` with"
    ' `{"reason": ...}` before the server closes it (token_expired, session_ended,'
    " shutting_down, too_slow). Send the last `id:` seen as `Last-Event-ID` to resume.",
    "content": {"text/event-stream": {"schema": {"type": "string"}}},
}


def hub() -> NotificationHub:
    found: NotificationHub = current_app.extensions["notification_hub"]
    return found


@blp.route("")
class NotificationStream(MethodView):
    decorators = [authenticated()]

    @blp.doc(
        parameters=[
            {
                "in": "header",
                "name": "Last-Event-ID",
                "required": False,
                "schema": {"type": "string"},
                "description": "The `id:` of the last event received: the stream first sends"
                " every notification after it.",
            }
        ],
        responses={"200": EVENT_STREAM},
    )
    @documented(blp, 400, 401, 429, 503)
    def get(self) -> Response:
        """Follow your new notifications as Server-Sent Events."""
        last_id = request.headers.get("Last-Event-ID", "").strip()
        resume = StreamPosition.parse(last_id) if last_id else None
        notifications = hub()
        subscription = notifications.open(current_principal())
        response = Response(
            stream_with_context(notifications.frames(subscription, resume)),
            mimetype="text/event-stream",
        )
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
        return response
