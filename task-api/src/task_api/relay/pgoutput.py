"""A decoder of PostgreSQL's logical replication protocol (pgoutput, version 1): just what the
relay needs, Begin, Relation, Insert and Commit; everything else is passed over."""

import struct
from dataclasses import dataclass

_INT16 = struct.Struct(">h")
_INT32 = struct.Struct(">i")
_BEGIN = struct.Struct(">qqi")  # final LSN, commit time, xid
_COMMIT = struct.Struct(">bqqq")  # flags, commit LSN, end LSN, commit time
_RELATION_HEAD = struct.Struct(">I")
_COLUMN_TAIL = struct.Struct(">Ii")  # type oid, type modifier


@dataclass(frozen=True)
class Begin:
    final_lsn: int
    xid: int


@dataclass(frozen=True)
class Commit:
    commit_lsn: int
    end_lsn: int


@dataclass(frozen=True)
class Relation:
    relation_id: int
    namespace: str
    name: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Insert:
    relation: Relation
    values: dict[str, str | None]  # text representation of each column; None is SQL NULL


@dataclass(frozen=True)
class Other:
    kind: str


Message = Begin | Commit | Relation | Insert | Other


class ProtocolError(ValueError):
    """The bytes are not a pgoutput message this decoder understands."""


class Decoder:
    """Decodes one stream's messages; remembers relations, which precede their first row."""

    def __init__(self) -> None:
        self._relations: dict[int, Relation] = {}

    def decode(self, payload: bytes) -> Message:
        if not payload:
            raise ProtocolError("empty message")
        kind, body = chr(payload[0]), memoryview(payload)[1:]
        try:
            if kind == "B":
                final_lsn, _time, xid = _BEGIN.unpack_from(body)
                return Begin(final_lsn, xid)
            if kind == "C":
                _flags, commit_lsn, end_lsn, _time = _COMMIT.unpack_from(body)
                return Commit(commit_lsn, end_lsn)
            if kind == "R":
                relation = _relation(body)
                self._relations[relation.relation_id] = relation
                return relation
            if kind == "I":
                return self._insert(body)
        except (struct.error, IndexError, UnicodeDecodeError) as error:
            raise ProtocolError(f"truncated or malformed {kind!r} message") from error
        return Other(kind)

    def _insert(self, body: memoryview) -> Insert:
        (relation_id,) = _RELATION_HEAD.unpack_from(body)
        relation = self._relations.get(relation_id)
        if relation is None:
            raise ProtocolError(f"insert into unknown relation {relation_id}")
        if chr(body[4]) != "N":
            raise ProtocolError("insert without a new tuple")
        values, _ = _tuple(body, 5)
        if len(values) != len(relation.columns):
            raise ProtocolError("tuple and relation disagree on the number of columns")
        return Insert(relation, dict(zip(relation.columns, values, strict=True)))


def _relation(body: memoryview) -> Relation:
    (relation_id,) = _RELATION_HEAD.unpack_from(body)
    namespace, offset = _string(body, 4)
    name, offset = _string(body, offset)
    offset += 1  # replica identity setting
    (count,) = _INT16.unpack_from(body, offset)
    offset += 2
    columns = []
    for _ in range(count):
        offset += 1  # flags (part of the key or not)
        column, offset = _string(body, offset)
        offset += _COLUMN_TAIL.size
        columns.append(column)
    return Relation(relation_id, namespace, name, tuple(columns))


def _tuple(body: memoryview, offset: int) -> tuple[list[str | None], int]:
    (count,) = _INT16.unpack_from(body, offset)
    offset += 2
    values: list[str | None] = []
    for _ in range(count):
        kind = chr(body[offset])
        offset += 1
        if kind == "n":
            values.append(None)
        elif kind == "t":
            (length,) = _INT32.unpack_from(body, offset)
            offset += 4
            if offset + length > len(body):
                raise ProtocolError("column value runs past the message")
            values.append(bytes(body[offset : offset + length]).decode())
            offset += length
        else:  # 'u' (unchanged TOAST) cannot occur in an insert
            raise ProtocolError(f"unexpected column kind {kind!r} in an insert")
    return values, offset


def _string(body: memoryview, offset: int) -> tuple[str, int]:
    end = bytes(body[offset:]).index(b"\x00")
    return bytes(body[offset : offset + end]).decode(), offset + end + 1
