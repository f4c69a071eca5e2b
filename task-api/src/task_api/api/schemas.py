"""Request and response schemas; they validate input and document the OpenAPI spec."""

from datetime import UTC, datetime, timedelta
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from task_api.domain.listing import Sort
from task_api.domain.tasks import Status

# A list, not validate.And, so the OpenAPI document shows the length limits.
TITLE = [
    validate.Length(min=1, max=200),
    validate.Predicate("strip", error="Title must not be blank."),
]
DESCRIPTION = validate.Length(max=10_000)
RFC3339 = {"format": "date-time", "example": "2026-12-01T17:00:00+00:00"}


# PostgreSQL's timestamptz refuses a UTC offset of 16 hours or more.
MAX_OFFSET = timedelta(hours=16)


class Text(fields.String):
    """A string PostgreSQL can store: no NUL character, no lone surrogate."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ma.ValidationError("Must not contain a NUL character.")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ma.ValidationError("Must not contain a lone surrogate.") from None
        return text


class Instant(fields.AwareDateTime):
    """An RFC 3339 date-time with an offset under 16 hours, in years 1-9999 once in UTC."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        instant: datetime = super()._deserialize(value, attr, data, **kwargs)
        offset = instant.utcoffset()
        if offset is not None and abs(offset) >= MAX_OFFSET:
            raise ma.ValidationError("The UTC offset must be less than 16:00.")
        try:
            instant.astimezone(UTC)
        except OverflowError:
            raise ma.ValidationError("Must lie in years 1-9999 once in UTC.") from None
        return instant


class Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class TaskSchema(ma.Schema):
    """A task as the API shows it. Its values are already serialized by the domain."""

    id = fields.String(metadata={"format": "uuid"})
    title = fields.String()
    description = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": [s.value for s in Status]})
    due_date = fields.String(allow_none=True, metadata=RFC3339)
    completed_at = fields.String(
        allow_none=True, metadata={**RFC3339, "description": "Set when the task became done."}
    )
    created_at = fields.String(metadata=RFC3339)
    updated_at = fields.String(metadata=RFC3339)


class TaskPageSchema(ma.Schema):
    items = fields.List(fields.Nested(TaskSchema))
    next_cursor = fields.String(
        allow_none=True, metadata={"description": "Pass as `cursor` for the next page; null last."}
    )


class TaskCreateSchema(Strict):
    title = Text(required=True, validate=TITLE)
    description = Text(allow_none=True, validate=DESCRIPTION)
    status = fields.Enum(Status, by_value=True, load_default=Status.TODO)
    due_date = Instant(allow_none=True, metadata=RFC3339)


class TaskPatchSchema(Strict):
    title = Text(validate=TITLE)
    description = Text(allow_none=True, validate=DESCRIPTION)
    status = fields.Enum(Status, by_value=True)
    due_date = Instant(allow_none=True, metadata=RFC3339)


class PageArgs(Strict):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = Text(
        validate=validate.Length(max=512),
        metadata={"description": "The `next_cursor` of the previous page."},
    )
    status = fields.List(
        fields.Enum(Status, by_value=True),
        load_default=list,
        validate=validate.Length(max=10),
        metadata={"description": "Repeat to match any of several statuses."},
    )


# Query filters carry no example: Swagger UI's "Try it out" fills every example in, and a
# filter pre-filled by the documentation would make the first list a newcomer asks for come
# back empty. A request without filters lists every task of the caller.
DATE_FILTER = {"format": "date-time"}


class TaskListArgs(PageArgs):
    due_before = Instant(
        metadata={
            **DATE_FILTER,
            "description": "Only tasks due before this instant (RFC 3339 with offset, e.g."
            " `2026-12-01T17:00:00+00:00`); tasks without a due date count as due last.",
        }
    )
    due_after = Instant(
        metadata={
            **DATE_FILTER,
            "description": "Only tasks due after this instant (RFC 3339 with offset);"
            " tasks without a due date never match.",
        }
    )
    q = Text(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Case-insensitive substring of the title."},
    )
    sort = fields.Enum(Sort, by_value=True, load_default=Sort.CREATED_DESC)


class AdminTaskListArgs(PageArgs):
    owner_id = fields.UUID(metadata={"description": "Only this user's tasks."})
    sort = fields.Enum(
        Sort,
        by_value=True,
        load_default=Sort.CREATED_DESC,
        validate=validate.OneOf([Sort.CREATED, Sort.CREATED_DESC]),
    )


class IdempotencyHeaders(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    idempotency_key = Text(
        data_key="Idempotency-Key",
        validate=validate.Length(min=1, max=255),
        metadata={"description": "Same key and body within 24 h: the first response, replayed."},
    )


class IfMatchHeaders(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    if_match = fields.String(
        data_key="If-Match",
        metadata={"description": "The task's ETag; a stale one gives 412."},
    )
