"""Request and response schemas; they validate input and document the OpenAPI spec."""

import marshmallow as ma
from marshmallow import fields, validate

from taskwire_events import EventType

RFC3339 = {"format": "date-time", "example": "2026-12-01T17:00:00+00:00"}


class NotificationSchema(ma.Schema):
    """A notification as the API shows it. Its values are already serialized by the domain."""

    id = fields.String(metadata={"format": "uuid"})
    event_id = fields.String(
        metadata={"format": "uuid", "description": "The id of the task event it tells about."}
    )
    type = fields.String(metadata={"enum": [t.value for t in EventType]})
    task_id = fields.String(metadata={"format": "uuid"})
    title = fields.String(metadata={"description": "The task's title at the time of the event."})
    message = fields.String()
    created_at = fields.String(metadata=RFC3339)


class NotificationPageSchema(ma.Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    next_cursor = fields.String(
        allow_none=True, metadata={"description": "Pass as `cursor` for the next page; null last."}
    )


class JsonBoolean(fields.Boolean):
    """JSON's true or false only: not "yes", 1 or "false"."""

    def _deserialize(self, value: object, attr: str | None, data: object, **kwargs: object) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class PreferencesSchema(ma.Schema):
    """`{email: {<event type>: true|false}}`: false means stored but not e-mailed."""

    class Meta:
        unknown = ma.RAISE

    email = fields.Dict(
        keys=fields.String(validate=validate.OneOf([t.value for t in EventType])),
        values=JsonBoolean(),
        required=True,
        metadata={"example": {"task.created": True, "task.updated": False}},
    )


class NotificationListArgs(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(
        validate=validate.Length(max=512),
        metadata={"description": "The `next_cursor` of the previous page."},
    )
