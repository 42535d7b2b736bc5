"""One-call Python API for the ingest-at-scale sources (the CLI is a thin layer on it).

eng = facedex.open("lib")
result = crawl(eng, load_feed_config("feed.toml"), max_items=10_000)
stats = ingest_urls(eng, "urls.parquet")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facedex.pipeline import Ingestor, RunStats
from facedex.sources.base import Source
from facedex.sources.download import DownloadOptions, FetchStats
from facedex.sources.feed import FeedConfig, FeedSource
from facedex.sources.urllist import Columns, UrlListSource
from facedex.store.base import ImageRecord

Progress = Callable[[RunStats, ImageRecord | None], None]


@dataclass
class IngestResult:
    """What a run did: pipeline stats, download stats and why it stopped."""

    stats: RunStats
    fetch: FetchStats | None = None
    stop_reason: str | None = None
    checkpoint: dict[str, Any] | None = None
    resumed_from: str | None = None

    def as_dict(self) -> dict[str, Any]:
        d = self.stats.as_dict()
        if self.fetch is not None:
            d["downloaded"] = self.fetch.downloaded
            d["requests"] = self.fetch.requests
            d["bytes"] = self.fetch.bytes
            d["retries"] = self.fetch.retries
        d["stop_reason"] = self.stop_reason
        d["checkpoint"] = self.checkpoint
        d["resumed_from"] = self.resumed_from
        return d


def run_source(
    engine: Any,
    source: Source,
    *,
    workers: int | None = None,
    on_progress: Progress | None = None,
    commit_every: int = 32,
) -> RunStats:
    """Ingest any Source; ``commit_every=1`` makes each item durable at once (watching)."""
    _ = engine.index  # open (and reconcile) the index before work starts
    ing = Ingestor(engine, workers=workers, on_progress=on_progress, commit_every=commit_every)
    return ing.run(source, source.label)


def ingest_urls(
    engine: Any,
    path: str | Path,
    options: DownloadOptions | None = None,
    *,
    columns: Columns | None = None,
    max_items: int | None = None,
    workers: int | None = None,
    on_progress: Progress | None = None,
    source: UrlListSource | None = None,
) -> IngestResult:
    """Download and index every image of a URL list; a rerun skips what is recorded."""
    src = source or UrlListSource(
        path, options, columns=columns, known=engine.catalog.is_final, max_items=max_items
    )
    stats = run_source(engine, src, workers=workers, on_progress=on_progress)
    return IngestResult(stats, src.stream.stats, src.stream.stop_reason)


def crawl(
    engine: Any,
    config: FeedConfig,
    options: DownloadOptions | None = None,
    *,
    max_items: int | None = None,
    restart: bool = False,
    workers: int | None = None,
    on_progress: Progress | None = None,
    source: FeedSource | None = None,
) -> IngestResult:
    """Crawl a feed from its checkpoint; stops at max_items, the feed's end, or Ctrl-C
    (KeyboardInterrupt is re-raised after the checkpoint is saved)."""
    src = source or FeedSource(
        config, engine.catalog, options, max_items=max_items, restart=restart
    )
    try:
        stats = run_source(engine, src, workers=workers, on_progress=on_progress)
    finally:
        cp = src.checkpoint()
    return IngestResult(stats, src.stream.stats, src.stream.stop_reason, cp, src.resumed_from)
