"""`/admin/tasks`: every user's tasks, for the realm role `admin`."""

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from task_api.api.bodies import Blueprint
from task_api.api.errors import documented
from task_api.api.schemas import AdminTaskListArgs, TaskPageSchema
from task_api.api.tasks import page_body, tasks
from task_api.domain.listing import TaskFilter
from taskwire_auth import authenticated

blp = Blueprint("admin", __name__, url_prefix="/admin", description="Administration.")


@blp.route("/tasks")
class AdminTasks(MethodView):
    decorators = [authenticated(role="admin")]

    @blp.arguments(AdminTaskListArgs(), location="query", unknown=ma.RAISE)
    @blp.response(200, TaskPageSchema)
    @documented(blp, 401, 403, 503)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List every user's tasks (or one user's with `owner_id`), newest first by default."""
        wanted = TaskFilter(
            owner_id=args.get("owner_id"),
            statuses=tuple(args["status"]),
            sort=args["sort"],
            limit=args["limit"],
        )
        return page_body(tasks().list_tasks(wanted, args.get("cursor")))
