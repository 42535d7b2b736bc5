"""Server settings (FACEDEX_SERVE_*), separate from the library's: one library can be
served many ways, and nothing here changes what is stored."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """How the HTTP service listens, who may use it, and how much it accepts."""

    model_config = SettingsConfigDict(env_prefix="FACEDEX_SERVE_", extra="ignore")

    host: str = Field(
        default="127.0.0.1", description="Bind address; loopback unless told otherwise"
    )
    port: int = Field(default=8000, ge=0, le=65535)

    # --- access -----------------------------------------------------------------
    keys_file: Path | None = Field(
        default=None, description="API keys file: '<sha256> <role> [name]'"
    )
    search_open: bool = Field(default=True, description="Allow searches without a key")

    # --- limits -----------------------------------------------------------------
    max_upload_bytes: int = Field(default=15 * 1024 * 1024, ge=1024, description="Largest upload")
    max_pixels: int = Field(
        default=40_000_000, ge=10_000, description="Refuse query images above this"
    )
    max_k: int = Field(default=100, ge=1, le=1000, description="Most matches per page")
    rate_per_s: float = Field(default=10.0, ge=0, description="Requests/s per client (0: no limit)")
    rate_burst: float = Field(default=40.0, ge=1, description="Burst allowance per client")
    photo_cost: float = Field(
        default=4.0, ge=0, description="Rate tokens a photo search/opt-out costs"
    )
    analysis_workers: int = Field(
        default=0, ge=0, le=64, description="Processes analysing query photos (0: in-process)"
    )
    photo_queue: int = Field(
        default=4, ge=0, description="Photo searches allowed to wait; more: 503"
    )
    queue_timeout_s: float = Field(
        default=5.0, gt=0, description="Longest wait for an analysis slot"
    )
    request_timeout_s: float = Field(default=30.0, gt=0, description="Longest photo analysis")
    max_inflight: int = Field(default=256, ge=1, description="Requests in progress before shedding")

    # --- image URLs -------------------------------------------------------------
    url_timeout_s: float = Field(default=10.0, gt=0, description="Time limit to fetch an image URL")
    allow_loopback_urls: bool = Field(
        default=False, description="Allow image URLs on 127.0.0.1/::1"
    )

    # --- shares / query cursors -------------------------------------------------
    share_ttl_s: int = Field(
        default=30 * 24 * 3600, ge=60, description="Share links expire after this"
    )
    share_max_results: int = Field(default=200, ge=1, le=1000)
    query_ttl_s: int = Field(
        default=900, ge=10, description="Paging cursors of photo queries live this"
    )
    query_cache_size: int = Field(default=2000, ge=10)
