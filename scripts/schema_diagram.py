"""Write docs/schema.md: a Mermaid ER diagram of each database, read from PostgreSQL's catalog.

Run it against a stack whose migrations have run (`make up` runs `alembic upgrade head` for both
databases), after adding a migration:

    uv run --frozen --all-packages python scripts/schema_diagram.py

`--stdout` prints the document instead of writing it; tests/integration/test_schema_diagram.py
compares that with the committed file. Connection settings: PG_HOST, PG_PORT and each owner
role's password (TASKS_OWNER_DB_PASSWORD, NOTIFICATIONS_OWNER_DB_PASSWORD), with the stack's dev
defaults.
"""

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "schema.md"
REGENERATE = "uv run --frozen --all-packages python scripts/schema_diagram.py"


@dataclass(frozen=True)
class Database:
    name: str
    owner: str
    password_variable: str
    dev_password: str
    migrations: str

    def dsn(self) -> str:
        password = os.environ.get(self.password_variable, self.dev_password)
        host = os.environ.get("PG_HOST", "127.0.0.1")
        port = os.environ.get("PG_PORT", "5432")
        return f"host={host} port={port} dbname={self.name} user={self.owner} password={password}"


DATABASES = (
    Database(
        "tasks",
        "tasks_owner",
        "TASKS_OWNER_DB_PASSWORD",
        "tasks-owner-dev-only-password",
        "task-api/migrations",
    ),
    Database(
        "notifications",
        "notifications_owner",
        "NOTIFICATIONS_OWNER_DB_PASSWORD",
        "notifications-owner-dev-only-password",
        "notification-consumer/migrations",
    ),
)

# Every query reads pg_catalog (information_schema hides what the role may not use) and orders
# its rows, so the same schema always gives the same document.
TABLES = """
SELECT c.oid, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
ORDER BY c.relname
"""

COLUMNS = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attgenerated
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

# contype: p primary, u unique, f foreign, c check, x exclusion.
CONSTRAINTS = """
SELECT con.conname, con.contype, pg_get_constraintdef(con.oid),
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
             ORDER BY k.ord)::text[],
       ref.relname,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
             ORDER BY k.ord)::text[]
FROM pg_constraint con LEFT JOIN pg_class ref ON ref.oid = con.confrelid
WHERE con.conrelid = %s
ORDER BY con.contype, con.conname
"""

INDEXES = """
SELECT ic.relname, am.amname, i.indisunique, i.indisprimary, i.indisvalid,
       pg_get_indexdef(i.indexrelid), pg_get_expr(i.indpred, i.indrelid)
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam
WHERE i.indrelid = %s
ORDER BY ic.relname
"""

PUBLICATIONS = """
SELECT pubname, tablename FROM pg_publication_tables WHERE schemaname = 'public'
ORDER BY pubname, tablename
"""

SHORT_TYPES = {
    "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp",
    "character varying": "varchar",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool
    default: str | None
    generated: bool


@dataclass(frozen=True)
class Constraint:
    name: str
    kind: str
    definition: str
    columns: tuple[str, ...]
    referenced_table: str | None
    referenced_columns: tuple[str, ...]


@dataclass(frozen=True)
class Index:
    name: str
    method: str
    unique: bool
    primary: bool
    valid: bool
    definition: str
    predicate: str | None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    constraints: tuple[Constraint, ...]
    indexes: tuple[Index, ...]


def _mermaid_type(sql_type: str) -> str:
    for long, short in SHORT_TYPES.items():
        sql_type = sql_type.replace(long, short)
    return sql_type.replace(" ", "_").replace(",", "_")


def read_tables(dsn: str) -> tuple[list[Table], list[tuple[str, str]]]:
    connection = psycopg2.connect(dsn)
    try:
        with connection.cursor() as cursor:
            cursor.execute(TABLES)
            tables = []
            for oid, name in cursor.fetchall():
                cursor.execute(COLUMNS, (oid,))
                columns = tuple(
                    Column(col, sql_type, not_null, default, generated == "s")
                    for col, sql_type, not_null, default, generated in cursor.fetchall()
                )
                cursor.execute(CONSTRAINTS, (oid,))
                constraints = tuple(
                    Constraint(cname, kind, definition, tuple(cols), ref, tuple(ref_cols or ()))
                    for cname, kind, definition, cols, ref, ref_cols in cursor.fetchall()
                )
                cursor.execute(INDEXES, (oid,))
                indexes = tuple(Index(*row) for row in cursor.fetchall())
                tables.append(Table(name, columns, constraints, indexes))
            cursor.execute(PUBLICATIONS)
            publications = [(pub, table) for pub, table in cursor.fetchall()]
    finally:
        connection.close()
    return tables, publications


def _keys(table: Table, column: str) -> str:
    marks = []
    for kind, mark in (("p", "PK"), ("f", "FK"), ("u", "UK")):
        if any(c.kind == kind and column in c.columns for c in table.constraints):
            marks.append(mark)
    return ",".join(marks)


def _column_note(column: Column) -> str:
    parts = ["NOT NULL" if column.not_null else "NULL"]
    if column.generated:
        parts.append(f"GENERATED AS {column.default}")
    elif column.default is not None:
        parts.append(f"DEFAULT {column.default}")
    return " ".join(parts).replace('"', "'")


def _is_unique(table: Table, columns: tuple[str, ...]) -> bool:
    """The columns hold at most one row each: they include a primary or unique key."""
    return any(c.kind in ("p", "u") and set(c.columns) <= set(columns) for c in table.constraints)


def _relationship(table: Table, fk: Constraint, by_name: dict[str, Table]) -> str:
    nullable = any(c.name in fk.columns and not c.not_null for c in table.columns)
    parent = "|o" if nullable else "||"
    child = "o|" if _is_unique(table, fk.columns) else "o{"
    label = ", ".join(f"{a} → {b}" for a, b in zip(fk.columns, fk.referenced_columns, strict=True))
    assert fk.referenced_table in by_name, f"{fk.referenced_table} is outside the schema"
    return f'    {fk.referenced_table} {parent}--{child} {table.name} : "{label}"'


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_database(
    database: Database, tables: list[Table], publications: list[tuple[str, str]]
) -> str:
    by_name = {table.name: table for table in tables}
    lines = [
        f"## Database `{database.name}`",
        "",
        f"Owner role `{database.owner}`; migrations in [`{database.migrations}`]"
        f"(../{database.migrations}).",
        "",
        "```mermaid",
        "erDiagram",
    ]
    for table in tables:
        lines.append(f"    {table.name} {{")
        for column in table.columns:
            keys = _keys(table, column.name)
            key_part = f" {keys}" if keys else ""
            lines.append(
                f"        {_mermaid_type(column.type)} {column.name}{key_part}"
                f' "{_column_note(column)}"'
            )
        lines.append("    }")
    for table in tables:
        for constraint in table.constraints:
            if constraint.kind == "f":
                lines.append(_relationship(table, constraint, by_name))
    lines += ["```", ""]

    lines += [
        "Constraints (keys and checks):",
        "",
        "| table | constraint | kind | definition |",
        "| --- | --- | --- | --- |",
    ]
    kinds = {"p": "primary key", "u": "unique", "f": "foreign key", "c": "check", "x": "exclusion"}
    for table in tables:
        for constraint in table.constraints:
            lines.append(
                f"| `{table.name}` | `{constraint.name}` | {kinds[constraint.kind]}"
                f" | `{_cell(constraint.definition)}` |"
            )
    lines += [
        "",
        "Indexes:",
        "",
        "| table | index | method | unique | partial (WHERE) | definition |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for table in tables:
        for index in table.indexes:
            unique = "primary key" if index.primary else ("yes" if index.unique else "no")
            if not index.valid:
                unique += " (INVALID)"
            predicate = f"`{_cell(index.predicate)}`" if index.predicate else "—"
            definition = index.definition.split(" USING ", 1)[-1]
            lines.append(
                f"| `{table.name}` | `{index.name}` | {index.method} | {unique} | {predicate}"
                f" | `{_cell(definition)}` |"
            )
    if publications:
        lines += [
            "",
            "Logical replication publications:",
            "",
            "| publication | table |",
            "| --- | --- |",
        ]
        lines += [f"| `{pub}` | `{table}` |" for pub, table in publications]
    lines.append("")
    return "\n".join(lines)


def render() -> str:
    parts = [
        "# Database schema",
        "",
        "Generated from the migrated databases by `scripts/schema_diagram.py` (it reads",
        "PostgreSQL's catalog after `alembic upgrade head`); do not edit by hand. After changing a",
        "migration, run the stack's migrations (`make up`) and regenerate:",
        "",
        "```sh",
        REGENERATE,
        "```",
        "",
        "`tests/integration/test_schema_diagram.py` fails while this file differs from what the",
        "migrations produce. Each column's note says whether it is nullable and its default;",
        "Mermaid's ER diagrams cannot show checks or indexes: they are listed under each diagram.",
        "",
    ]
    for database in DATABASES:
        tables, publications = read_tables(database.dsn())
        parts.append(render_database(database, tables, publications))
    return "\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stdout", action="store_true", help="print instead of writing the file")
    arguments = parser.parse_args()
    document = render()
    if arguments.stdout:
        sys.stdout.write(document)
    else:
        OUTPUT.write_text(document, encoding="utf-8")
        print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
