"""Prometheus metrics in a registry owned by one app (no process-global state), so two
apps in one process (tests) never share counters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "facedex_http_requests", "HTTP requests", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "facedex_http_request_seconds",
            "HTTP request latency",
            ["route"],
            registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.shed = Counter(
            "facedex_shed", "Requests refused to protect the server", ["reason"], registry=r
        )
        self.index_vectors = Gauge(
            "facedex_index_vectors", "Vectors in the search index", registry=r
        )
        self.ingest_running = Gauge("facedex_ingest_running", "1 while an ingest runs", registry=r)
        self.ingest = Gauge(
            "facedex_ingest_items", "Progress of the latest ingest", ["field"], registry=r
        )
        self.photo_queue = Gauge(
            "facedex_photo_queue", "Photo searches waiting for a slot", registry=r
        )

    def set_ingest(self, running: bool, stats: dict[str, Any]) -> None:
        self.ingest_running.set(1 if running else 0)
        for k in ("seen", "processed", "skipped", "failed", "faces", "blocked"):
            if k in stats:
                self.ingest.labels(k).set(float(stats[k]))

    def render(self, refresh: Callable[[Metrics], None]) -> bytes:
        refresh(self)
        return generate_latest(self.registry)
