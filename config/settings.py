"""Environment settings (FENGQIAO_*, optional .env), normalised once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fengqiao.models.vocabulary import Channel


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FENGQIAO_", env_file=".env", extra="ignore")

    home: Path = Field(default=Path(".fengqiao"), description="data folder for the embedded defaults")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite under home")
    owner_database_url: str | None = Field(
        default=None,
        description="PostgreSQL: the owner's URL, for `fengqiao db upgrade` only; database_url is then the "
        "application's role, which it creates and may only INSERT and SELECT the timeline and access log",
    )
    network_file: Path | None = Field(default=None, description="network YAML; default the shipped sample")
    log_level: str = "INFO"
    log_json: bool = True
    log_file: Path | None = Field(default=None, description="JSON log lines go here instead of stderr")
    runner_poll_seconds: float = Field(default=2.0, gt=0, description="how often the worker looks for runs")
    runner_limit: int = Field(default=8, gt=0, description="flow runs one worker runs at once (threads)")
    work_pool: str = Field(default="fengqiao-cases", description="the Prefect work pool the workers poll")
    worker_stop_seconds: float = Field(
        default=10.0, ge=0, description="on SIGTERM, how long running steps may take to finish before the worker exits"
    )
    sweep_seconds: float = Field(default=15.0, gt=0, description="how often a worker sweeps for cases not moving")
    worker_heartbeat_seconds: int = Field(
        default=10, gt=0, description="how often a worker beats on the work pool (Prefect's default is 30)"
    )
    worker_dead_seconds: float = Field(
        default=45.0, gt=0, description="a worker silent this long is dead: the sweep hands its runs on"
    )
    late_run_minutes: float = Field(
        default=15.0,
        ge=1 / 6,  # Prefect's least window for a proactive trigger: 10 s
        description="a case run Late longer than this is an alert (a Prefect automation, applied by `fengqiao deploy`)",
    )
    stale_run_seconds: float = Field(
        default=600.0, gt=0, description="a running run with no heartbeat or state change for this long is dead"
    )

    result_webhooks: dict[Channel, AnyHttpUrl] = Field(
        default_factory=dict,
        description='where each channel takes results back (结果同悉), JSON: {"hotline_12345": "https://…"}',
    )
    result_webhook_secret: SecretStr | None = Field(default=None, description="signs each result (HMAC-SHA256)")
    result_retry_seconds: float = Field(default=60.0, gt=0, description="first retry delay; doubles, at most 6 h")

    api_host: str = Field(default="127.0.0.1", description="where `fengqiao serve` listens")
    api_port: int = Field(default=8000, gt=0, lt=65536)
    api_max_body_bytes: int = Field(default=65_536, gt=0, description="a larger request body is refused (413)")
    document_max_bytes: int = Field(
        default=10 * 1024 * 1024, gt=0, description="a larger uploaded document (a signed copy) is refused (413)"
    )
    api_request_seconds: float = Field(
        default=20.0, gt=0, description="a request not received whole (head and body) in this time: connection closed"
    )
    api_keep_alive_seconds: int = Field(default=5, gt=0, description="an idle connection between requests is closed")
    api_max_connections: int = Field(default=200, gt=0, description="connections served at once (503 beyond)")
    api_rate_per_minute: int = Field(default=600, gt=0, description="requests a minute per API key (429 beyond)")
    allow_private_webhooks: bool = Field(
        default=False, description="let integrators register webhook targets on loopback or private addresses"
    )
    dashboard_poll_seconds: int = Field(default=5, gt=0, description="how often the board asks for changes")
    prefect_ui_url: str | None = Field(default=None, description="Prefect's UI, for links to flow runs")
    address_rate_per_minute: int = Field(
        default=10, gt=0, description="sign-in attempts and requests with an unknown key, a minute per client address"
    )
    dashboard_rate_per_minute: int = Field(default=120, gt=0, description="dashboard pages a minute per key")
    dashboard_expensive_per_minute: int = Field(
        default=4, gt=0, description="PDF reports and what-if replays a minute per key (each is costly)"
    )
    dashboard_session_hours: float = Field(default=8.0, gt=0, description="a dashboard sign-in lasts this long")
    chromium: str = Field(default="/usr/bin/chromium", description="Chromium, to print the monthly report as PDF")
    alert_window_days: int = Field(default=7, gt=0, description="days within which reports form a cluster")
    alert_respondent_reports: int = Field(default=3, gt=1, description="reports against one respondent: an alert")
    alert_area_reports: int = Field(default=10, gt=1, description="reports from one community: an alert")
    max_step_failures: int = Field(
        default=3, gt=0, description="flow runs of a case failing in a row before it is parked (case retry)"
    )
    audit_digest_dir: Path | None = Field(default=None, description="where the daily chain digest is written")
    audit_digest_webhook: AnyHttpUrl | None = Field(
        default=None, description="where the daily chain digest's root is posted, to be held outside fengqiao"
    )
    audit_digest_secret: SecretStr | None = Field(default=None, description="signs the digest post (HMAC-SHA256)")

    @field_validator("database_url", "owner_database_url")
    @classmethod
    def _psycopg_driver(cls, url: str | None) -> str | None:
        """postgres:// and postgresql:// both mean psycopg 3, the driver we ship."""
        if url and url.startswith(("postgres://", "postgresql://")):
            return "postgresql+psycopg://" + url.split("://", 1)[1]
        return url

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'fengqiao.db').resolve()}"

    @property
    def migration_database_url(self) -> str:
        """Migrations run as the owner when one is configured; else as the one URL there is."""
        return self.owner_database_url or self.resolved_database_url

    @property
    def digest_dir(self) -> Path:
        return (self.audit_digest_dir or self.home / "digests").resolve()

    @property
    def prefect_home(self) -> Path:
        return (self.home / "prefect").resolve()


@lru_cache
def get_settings() -> Settings:
    return Settings()
