"""Service settings, from the environment (``ZERO_BACKLOG_*``, and ``DATABASE_URL``)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Seconds the server waits at shutdown for open requests (an open event stream never ends
#: by itself: after this, it is cut and the server stops).
GRACEFUL_SHUTDOWN_S = 3


class Settings(BaseSettings):
    """Validated service settings; every field has a default that runs on one machine."""

    model_config = SettingsConfigDict(env_prefix="ZERO_BACKLOG_", extra="ignore", frozen=True)

    database_url: str = Field(
        default="sqlite:///zero-backlog.db",
        validation_alias=AliasChoices("DATABASE_URL", "ZERO_BACKLOG_DATABASE_URL"),
        description=(
            "SQLAlchemy URL: a SQLite file by default; PostgreSQL with"
            " postgresql://user:password@host:port/database (driven by psycopg 3)."
        ),
    )
    api_keys: str = Field(
        default="", description="Comma-separated keys for 'Authorization: Bearer ...'."
    )
    max_body_bytes: int = Field(default=20_000_000, gt=0, description="Larger bodies: 413.")
    queue_size: int = Field(default=16, ge=1, description="Jobs waiting; beyond it: 429.")
    max_db_requests: int = Field(
        default=12,
        ge=1,
        le=32,
        description="Live-state requests in a database transaction at once (others wait).",
    )
    solver_processes: int = Field(default=1, ge=1, le=64, description="Solves at a time.")
    default_time_limit_s: float = Field(default=30.0, gt=0)
    max_time_limit_s: float = Field(default=600.0, gt=0)
    retry_after_s: int = Field(default=5, ge=1, description="Retry-After on 429.")
    window_minutes: float = Field(
        default=15.0, ge=0, description="Plan the current window this often (0: on demand only)."
    )
    rolling_window: bool = Field(
        default=False,
        description=(
            "Roll the stored window with the clock: each window plan starts at the slot"
            " holding now (kept the stored length); that slot's work is under way, pinned."
        ),
    )
    window_time_limit_s: float = Field(
        default=10.0, gt=0, description="Time limit of a window plan."
    )
    webhook_urls: str = Field(default="", description="Comma-separated URLs for outgoing events.")
    webhook_secret: str | None = Field(default=None, description="Signs outgoing webhooks.")

    @property
    def webhook_targets(self) -> list[str]:
        return [u.strip() for u in self.webhook_urls.split(",") if u.strip()]

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(k.strip() for k in self.api_keys.split(",") if k.strip())
