"""Planned windows and the exception records they raise (SQLAlchemy 2 ORM, migration 0003)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.models import Base, UtcDateTime

EXCEPTION_STATUSES = ("open", "acknowledged", "resolved")


class PlannedWindow(Base):
    """One plan of the current window: when, which job, the plan, and how much it moved."""

    __tablename__ = "planned_windows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(36))
    trigger: Mapped[str] = mapped_column(String(16))  # "schedule" or "request"
    plan: Mapped[str] = mapped_column(Text)
    planned: Mapped[int] = mapped_column(Integer)
    backlog: Mapped[int] = mapped_column(Integer)
    churn: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ExceptionRecord(Base):
    """An order that cannot make the window, while it stays so (one record per episode)."""

    __tablename__ = "exception_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(200), index=True)
    code: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    #: The window plan that last saw it; None for an order refused at import.
    window_id: Mapped[int | None] = mapped_column(ForeignKey("planned_windows.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
