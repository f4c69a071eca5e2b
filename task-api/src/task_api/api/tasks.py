"""`/tasks`: the caller's own tasks (contract section 3)."""

from typing import Any
from uuid import UUID

import marshmallow as ma
from flask import Response, current_app, url_for
from flask.views import MethodView

from task_api.api.bodies import Blueprint
from task_api.api.errors import documented
from task_api.api.schemas import (
    IdempotencyHeaders,
    IfMatchHeaders,
    TaskCreateSchema,
    TaskListArgs,
    TaskPageSchema,
    TaskPatchSchema,
    TaskSchema,
)
from task_api.domain.listing import TaskFilter
from task_api.domain.tasks import Task
from task_api.service.tasks import TaskPage, TaskService
from taskwire_auth import authenticated, current_principal
from taskwire_observability.request_ids import current_request_id

blp = Blueprint("tasks", __name__, url_prefix="/tasks", description="Your own tasks.")
ETAG = {
    "ETag": {"description": "The task's version, for `If-Match`.", "schema": {"type": "string"}}
}


def tasks() -> TaskService:
    service: TaskService = current_app.extensions["task_service"]
    return service


def owner() -> UUID:
    return UUID(current_principal().subject)


def serialized(body: dict[str, Any]) -> Response:
    """A task body the domain already serialized (`Task.as_api`): TaskSchema documents it, and
    dumping it through the schema again would only copy it (test_task_schema pins that)."""
    return current_app.response_class(current_app.json.dumps(body), mimetype="application/json")


def with_etag(task: Task, status: int = 200) -> tuple[Response, int, dict[str, str]]:
    return serialized(task.as_api()), status, {"ETag": task.etag()}


def page_body(page: TaskPage) -> dict[str, Any]:
    return {"items": [t.as_api() for t in page.items], "next_cursor": page.next_cursor}


@blp.route("")
class Tasks(MethodView):
    decorators = [authenticated()]

    @blp.arguments(TaskListArgs(), location="query", unknown=ma.RAISE)
    @blp.response(200, TaskPageSchema)
    @documented(blp, 401, 503)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List your tasks, filtered and sorted, one keyset page at a time."""
        wanted = TaskFilter(
            owner_id=owner(),
            statuses=tuple(args["status"]),
            due_before=args.get("due_before"),
            due_after=args.get("due_after"),
            title_contains=args.get("q"),
            sort=args["sort"],
            limit=args["limit"],
        )
        return page_body(tasks().list_tasks(wanted, args.get("cursor")))

    @blp.arguments(IdempotencyHeaders(), location="headers")
    @blp.arguments(TaskCreateSchema())
    @blp.response(201, TaskSchema, headers={**ETAG, "Location": {"schema": {"type": "string"}}})
    @documented(blp, 401, 413, 503)
    def post(
        self, headers: dict[str, Any], fields: dict[str, Any]
    ) -> tuple[Response, int, dict[str, str]]:
        """Create a task."""
        created = tasks().create_task(
            owner(), fields, headers.get("idempotency_key"), current_request_id.get()
        )
        location = url_for("tasks.TaskItem", task_id=created.body["id"])
        return serialized(created.body), 201, {"ETag": created.etag, "Location": location}


@blp.route("/<uuid:task_id>")
class TaskItem(MethodView):
    decorators = [authenticated()]

    @blp.response(200, TaskSchema, headers=ETAG)
    @documented(blp, 401, 404, 503)
    def get(self, task_id: UUID) -> tuple[Response, int, dict[str, str]]:
        """Get one of your tasks."""
        return with_etag(tasks().get_task(owner(), task_id))

    @blp.arguments(IfMatchHeaders(), location="headers")
    @blp.arguments(TaskPatchSchema())
    @blp.response(200, TaskSchema, headers=ETAG)
    @documented(blp, 401, 404, 412, 413, 503)
    def patch(
        self, headers: dict[str, Any], patch: dict[str, Any], task_id: UUID
    ) -> tuple[Response, int, dict[str, str]]:
        """Change some fields of one of your tasks."""
        if_match = _etags(headers.get("if_match"))
        task = tasks().update_task(owner(), task_id, patch, if_match, current_request_id.get())
        return with_etag(task)

    @blp.response(204)
    @documented(blp, 401, 404, 503)
    def delete(self, task_id: UUID) -> None:
        """Delete one of your tasks."""
        tasks().delete_task(owner(), task_id, current_request_id.get())


@blp.route("/<uuid:task_id>/complete")
class TaskCompletion(MethodView):
    decorators = [authenticated()]

    @blp.response(200, TaskSchema, headers=ETAG)
    @documented(blp, 401, 404, 503)
    def post(self, task_id: UUID) -> tuple[Response, int, dict[str, str]]:
        """Mark one of your tasks done (completing a done task changes nothing)."""
        return with_etag(tasks().complete_task(owner(), task_id, current_request_id.get()))


def _etags(header: str | None) -> frozenset[str] | None:
    if header is None:
        return None
    return frozenset(tag.strip() for tag in header.split(","))
