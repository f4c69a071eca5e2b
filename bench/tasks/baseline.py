"""The create benchmark's baseline: the same work as POST /tasks with nothing but Flask and raw
psycopg2 — the same token check (task-api's own `install_token_check`: cached JWKS and the
followed session revocations), the task insert and the outbox insert + delete in one
transaction — so the comparison shows what the layers (smorest, marshmallow, SQLAlchemy, unit
of work, observability) cost."""

import json
import os
import uuid
from datetime import UTC, datetime

import psycopg2.extras
from flask import Flask, Response, request
from psycopg2.pool import ThreadedConnectionPool

from taskwire_auth import authenticated, current_principal, install_token_check

DSN = os.environ.get(
    "BASELINE_DSN",
    "host=127.0.0.1 port=5432 dbname=tasks user=task_api password=task-api-dev-only-password",
)
INSERT_TASK = (
    "INSERT INTO tasks (owner_id, id, title, description, status, due_date, completed_at,"
    " created_at, updated_at, version) VALUES (%s, %s, %s, %s, 'todo', NULL, NULL, %s, %s, 1)"
)
INSERT_EVENT = (
    "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, request_id, created_at)"
    " VALUES (%s, 'task', %s, 'task.created', %s, NULL, %s)"
)


def create_app() -> Flask:
    app = Flask(__name__)
    issuer = os.environ.get("KEYCLOAK_ISSUER", "http://localhost:8180/realms/taskwire")
    jwks = os.environ.get(
        "KEYCLOAK_JWKS_URL", "http://127.0.0.1:8180/realms/taskwire/protocol/openid-connect/certs"
    )
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    install_token_check(app, jwks, issuer, "task-api", kafka)
    psycopg2.extras.register_uuid()
    pool = ThreadedConnectionPool(1, 2, DSN)

    @app.post("/tasks")
    @authenticated()
    def create() -> Response:
        body = request.get_json()
        now = datetime.now(UTC)
        task_id, event_id = uuid.uuid4(), uuid.uuid4()
        owner = current_principal().subject
        task = {
            "id": str(task_id),
            "title": body["title"],
            "description": None,
            "status": "todo",
            "due_date": None,
            "completed_at": None,
            "created_at": now.isoformat(),
            "updated_at": now.isoformat(),
        }
        event = {
            "specversion": "1.0",
            "id": str(event_id),
            "type": "task.created",
            "data": {**task, "owner_id": owner},
        }
        connection = pool.getconn()
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(INSERT_TASK, (owner, task_id, body["title"], None, now, now))
                cursor.execute(INSERT_EVENT, (event_id, str(task_id), json.dumps(event), now))
                cursor.execute("DELETE FROM outbox WHERE id = %s", (event_id,))
        finally:
            pool.putconn(connection)
        return Response(
            json.dumps(task),
            status=201,
            mimetype="application/json",
            headers={"Location": f"/tasks/{task_id}", "ETag": '"1"'},
        )

    return app
