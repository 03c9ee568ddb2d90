"""The API's one settings object, read from ``INVOICESIM_*`` environment variables.

Built by the composition root (``invoicesim serve`` or a test) and passed to
``create_app``; nothing reads the environment at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from actors.bulk_csv import DEFAULT_LIMITS
from storage.queries import MAX_LIMIT


class ApiSettings(BaseSettings):
    """Where to listen and every limit of a request. ``cors_origins`` empty: CORS closed."""

    model_config = SettingsConfigDict(env_prefix="INVOICESIM_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65_535)
    # Comma-separated in the environment: INVOICESIM_CORS_ORIGINS=http://localhost:8501
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_body_bytes: int = Field(default=64 * 1024, ge=1_024, le=16 * 1024 * 1024)
    max_csv_bytes: int = Field(default=DEFAULT_LIMITS.max_bytes, ge=1_024, le=100 * 1024 * 1024)
    max_csv_rows: int = Field(default=DEFAULT_LIMITS.max_rows, ge=1, le=1_000_000)
    max_page_size: int = Field(default=500, ge=1, le=MAX_LIMIT)
    scenarios_dir: Path = Path("scenarios")
    command_timeout_s: float = Field(default=10.0, gt=0, le=120)
    # Hot reads are shared this long (no longer than the engine's 0.25 s flush), and a
    # stale one is served while it refreshes up to read_max_stale_s: dashboards stay fresh.
    read_cache_ttl_s: float = Field(default=0.25, ge=0, le=5)
    read_max_stale_s: float = Field(default=1.0, ge=0, le=10)
    # A verified token is trusted this long: a revoked one is refused at most this late.
    token_cache_ttl_s: float = Field(default=2.0, ge=0, le=60)
    token_cache_size: int = Field(default=1_024, ge=0, le=100_000)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @model_validator(mode="after")
    def _stale_after_ttl(self) -> ApiSettings:
        if self.read_max_stale_s < self.read_cache_ttl_s:
            raise ValueError("read_max_stale_s must be at least read_cache_ttl_s")
        return self

    @property
    def max_upload_bytes(self) -> int:
        """A bulk upload's whole multipart body: the CSV plus room for the form around it."""
        return self.max_csv_bytes + 64 * 1024
