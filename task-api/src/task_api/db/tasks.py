"""The task repository: owner-scoped reads and writes; it never commits."""

from typing import Any, cast
from uuid import UUID

from sqlalchemy import ColumnElement, Connection, Select, Table, bindparam, literal, select, tuple_
from sqlalchemy import DateTime as SqlDateTime
from sqlalchemy import cast as sql_cast

from task_api.db.models import TaskRow
from task_api.domain.listing import Sort, TaskFilter
from task_api.domain.tasks import Status, Task
from taskwire_sql import Position

TABLE = cast(Table, TaskRow.__table__)
# due_key may hold 'infinity'; reminded_due belongs to the reminder scheduler (db/reminders.py).
COLUMNS = [c for c in TABLE.c if c.name not in {"due_key", "reminded_due"}]
INFINITY = sql_cast(literal("infinity"), SqlDateTime(timezone=True))

# The write path's statements are built once: each request only binds its values, so
# SQLAlchemy finds the compiled form in its cache without rebuilding the expression.
_THIS_TASK = (TABLE.c.owner_id == bindparam("b_owner_id"), TABLE.c.id == bindparam("b_id"))
GET = select(*COLUMNS).where(*_THIS_TASK)
GET_FOR_UPDATE = GET.with_for_update()
INSERT = TABLE.insert()
UPDATE = TABLE.update().where(*_THIS_TASK)
DELETE = TABLE.delete().where(*_THIS_TASK).returning(*COLUMNS)


class TaskRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self, owner_id: UUID, task_id: UUID, for_update: bool = False) -> Task | None:
        query = GET_FOR_UPDATE if for_update else GET
        row = self._connection.execute(query, _key(owner_id, task_id)).mappings().first()
        return task_of(row) if row else None

    def add(self, task: Task) -> None:
        self._connection.execute(INSERT, _values(task))

    def update(self, task: Task) -> None:
        values = _values(task)
        del values["owner_id"], values["id"], values["created_at"]
        self._connection.execute(UPDATE, {**values, **_key(task.owner_id, task.id)})

    def delete(self, owner_id: UUID, task_id: UUID) -> Task | None:
        row = self._connection.execute(DELETE, _key(owner_id, task_id)).mappings().first()
        return task_of(row) if row else None

    def page(self, wanted: TaskFilter, after: Position | None) -> list[Task]:
        """Up to `limit + 1` tasks after `after`: the extra one tells whether a next page exists."""
        rows = self._connection.execute(page_query(wanted, after)).mappings().all()
        return [task_of(row) for row in rows]


def page_query(wanted: TaskFilter, after: Position | None) -> Select[Any]:
    sort_column = TABLE.c.due_key if wanted.sort.by_due_date else TABLE.c.created_at
    query = select(*COLUMNS)
    if wanted.owner_id is not None:
        query = query.where(TABLE.c.owner_id == wanted.owner_id)
    if wanted.statuses:
        query = query.where(TABLE.c.status.in_([s.value for s in wanted.statuses]))
    # Due filters are written on due_key so that they bound the due-date index's range.
    if wanted.due_before is not None:
        query = query.where(TABLE.c.due_key < wanted.due_before)
    if wanted.due_after is not None:
        query = query.where(TABLE.c.due_key > wanted.due_after, TABLE.c.due_key < INFINITY)
    if wanted.title_contains:
        query = query.where(TABLE.c.title.ilike(f"%{_escape_like(wanted.title_contains)}%", "\\"))
    if after is not None:
        query = query.where(_after(sort_column, wanted.sort, after))
    if wanted.sort.descending:
        query = query.order_by(sort_column.desc(), TABLE.c.id.desc())
    else:
        query = query.order_by(sort_column.asc(), TABLE.c.id.asc())
    return query.limit(wanted.limit + 1)


def _after(sort_column: Any, sort: Sort, after: Position) -> ColumnElement[bool]:
    key: Any = INFINITY if after.key is None else after.key
    position = tuple_(sort_column, TABLE.c.id)
    boundary = tuple_(key, after.id)
    return position < boundary if sort.descending else position > boundary


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _key(owner_id: UUID, task_id: UUID) -> dict[str, UUID]:
    return {"b_owner_id": owner_id, "b_id": task_id}


def _values(task: Task) -> dict[str, Any]:
    return {
        "owner_id": task.owner_id,
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "status": task.status.value,
        "due_date": task.due_date,
        "completed_at": task.completed_at,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "version": task.version,
    }


def task_of(row: Any) -> Task:
    return Task(
        id=row["id"],
        owner_id=row["owner_id"],
        title=row["title"],
        description=row["description"],
        status=Status(row["status"]),
        due_date=row["due_date"],
        completed_at=row["completed_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )
