"""The notifications database's tables, as typed SQLAlchemy models (the migrations create them)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, LargeBinary, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ProcessedEventRow(Base):
    """One row per event id ever handled: the consumer's memory of what it has done."""

    __tablename__ = "processed_events"

    event_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    type: Mapped[str] = mapped_column(Text)
    topic: Mapped[str] = mapped_column(Text)
    partition: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(BigInteger)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EmailPreferenceRow(Base):
    """An owner's choice for one event type; no row: e-mailed (the default)."""

    __tablename__ = "email_preferences"

    owner_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    event_type: Mapped[str] = mapped_column(Text, primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NotificationRow(Base):
    """A notification, read by its owner newest first."""

    __tablename__ = "notifications"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(UUID)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID, unique=True)
    type: Mapped[str] = mapped_column(Text)
    task_id: Mapped[uuid.UUID] = mapped_column(UUID)
    title: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(Text)
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EmailDeliveryRow(Base):
    """The e-mail of one event: its state, its tries, and the message it came from."""

    __tablename__ = "email_deliveries"

    event_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    notification_id: Mapped[uuid.UUID] = mapped_column(UUID)
    status: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recipient: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    smtp_reply: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The Kafka message as it arrived, so that a failed e-mail can be dead-lettered unchanged.
    source_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    source_value: Mapped[bytes | None] = mapped_column(LargeBinary)
    source_headers: Mapped[list[Any]] = mapped_column(JSONB)
    source_timestamp_ms: Mapped[int | None] = mapped_column(BigInteger)
