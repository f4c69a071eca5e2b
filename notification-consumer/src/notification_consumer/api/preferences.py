"""`/notifications/preferences`: which event types the caller wants e-mailed (contract §4)."""

from typing import Any
from uuid import UUID

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from notification_consumer.api.errors import documented
from notification_consumer.api.schemas import PreferencesSchema
from notification_consumer.service.preferences import PreferenceService
from taskwire_auth import authenticated, current_principal
from taskwire_events import EventType

blp = Blueprint(
    "preferences",
    __name__,
    url_prefix="/notifications/preferences",
    description="Which of your notifications are also e-mailed.",
)


def preferences() -> PreferenceService:
    service: PreferenceService = current_app.extensions["preference_service"]
    return service


@blp.route("")
class Preferences(MethodView):
    decorators = [authenticated()]

    @blp.response(200, PreferencesSchema)
    @documented(blp, 401, 503)
    def get(self) -> dict[str, Any]:
        """Your e-mail preferences: every event type, true (e-mailed) by default."""
        owner = UUID(current_principal().subject)
        return preferences().preferences_of(owner).as_api()

    @blp.arguments(PreferencesSchema(), unknown=ma.RAISE)
    @blp.response(200, PreferencesSchema)
    @documented(blp, 400, 401, 422, 503)
    def put(self, body: dict[str, Any]) -> dict[str, Any]:
        """Replace your e-mail preferences; a type left out is e-mailed (the default)."""
        owner = UUID(current_principal().subject)
        email = {EventType(name): wanted for name, wanted in body["email"].items()}
        return preferences().set_preferences(owner, email).as_api()
