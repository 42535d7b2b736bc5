"""Paginated JSON feeds described by a TOML or YAML file, crawled with resume.

    name = "example"
    url = "https://example.org/api/photos?after={cursor}"
    start_cursor = ""              # optional: the first page's cursor
    headers = { Authorization = "Bearer ..." }
    params = { per_page = "50" }   # "{cursor}" may go here instead of the URL
    max_pages = 0                  # optional safety stop (0: none)

    [paths]                        # dotted JSON paths; numbers index lists
    items = "data.photos.edges"    # from the page: the list of items
    image_url = "node.url"         # from each item
    id = "node.id"
    page_url = "node.permalink"
    caption = "node.caption"
    next_cursor = "data.photos.page_info.end_cursor"   # from the page
    has_more = "data.photos.page_info.has_next_page"   # optional
    meta = ["node.author", "node.tags"]                # optional extra fields to keep

    [download]                     # optional DownloadOptions overrides
    per_host_rate = 2.0

Exactly once across kill -9: the resume cursor is stored in the catalog's meta table
only once every item of the pages before it has its catalog row (checked against the
catalog itself, so it never runs ahead of what is durably written). A restart refetches
from that page; items already recorded are skipped by URL, the rest are processed.
"""

from __future__ import annotations

import json
import time
import tomllib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from facedex.errors import FacedexError
from facedex.pipeline import Item
from facedex.sources.download import DownloadOptions, Fetcher, OptionError
from facedex.sources.stream import DownloadStream, PageMark, Sink
from facedex.store.base import ERROR


class FeedError(FacedexError):
    """The feed itself failed (page unreachable, not JSON, paths wrong): the crawl stops
    and its checkpoint stays where it was, so a rerun retries from there."""


_MISSING = object()


def get_path(obj: Any, path: str) -> Any:
    """``a.b.0.c`` into nested dicts/lists; a missing step gives _MISSING."""
    cur = obj
    for step in path.split(".") if path else []:
        if isinstance(cur, dict):
            if step not in cur:
                return _MISSING
            cur = cur[step]
        elif isinstance(cur, list) and step.lstrip("-").isdigit():
            i = int(step)
            if not -len(cur) <= i < len(cur):
                return _MISSING
            cur = cur[i]
        else:
            return _MISSING
    return cur


@dataclass
class FeedPaths:
    items: str
    image_url: str
    next_cursor: str
    id: str | None = None
    page_url: str | None = None
    caption: str | None = None
    has_more: str | None = None
    meta: list[str] = field(default_factory=list)


@dataclass
class FeedConfig:
    name: str
    url: str
    paths: FeedPaths
    start_cursor: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    max_pages: int = 0
    download: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        in_params = any("{cursor}" in str(v) for v in self.params.values())
        if "{cursor}" not in self.url and not in_params:
            raise OptionError(
                "feed config: put a {cursor} placeholder in url or in a params "
                f"value (url is {self.url!r})"
            )
        probe = self.url.replace("{cursor}", "x")
        if urlsplit(probe).scheme not in ("http", "https"):
            raise OptionError(f"feed config: url must be http(s), got {self.url!r}")
        if self.max_pages < 0:
            raise OptionError(f"feed config: max_pages must be >= 0, got {self.max_pages}")

    def page_url(self, cursor: str | None) -> str:
        c = cursor or ""
        url = self.url.replace("{cursor}", quote(c, safe=""))
        if self.params:
            q = urlencode({k: str(v).replace("{cursor}", c) for k, v in self.params.items()})
            url += ("&" if "?" in url else "?") + q
        return url

    @property
    def checkpoint_key(self) -> str:
        return f"crawl:{self.name}:checkpoint"

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str = "feed config") -> FeedConfig:
        if not isinstance(d, dict):
            raise OptionError(f"{where}: expected a table of settings")
        known = {
            "name",
            "url",
            "start_cursor",
            "headers",
            "params",
            "max_pages",
            "paths",
            "download",
        }
        unknown = set(d) - known
        if unknown:
            raise OptionError(
                f"{where}: unknown setting(s) {sorted(unknown)}; known are {sorted(known)}"
            )
        for key in ("url", "paths"):
            if key not in d:
                raise OptionError(f"{where}: missing required setting {key!r}")
        p = d["paths"]
        if not isinstance(p, dict):
            raise OptionError(f"{where}: [paths] must be a table")
        for key in ("items", "image_url", "next_cursor"):
            if key not in p:
                raise OptionError(f"{where}: missing paths.{key} (a dotted JSON path)")
        pknown = set(FeedPaths.__dataclass_fields__)
        if set(p) - pknown:
            raise OptionError(
                f"{where}: unknown path(s) {sorted(set(p) - pknown)}; known are {sorted(pknown)}"
            )
        download = dict(d.get("download") or {})
        dknown = set(DownloadOptions.__dataclass_fields__)
        if set(download) - dknown:
            raise OptionError(
                f"{where}: unknown [download] option(s) {sorted(set(download) - dknown)}"
            )
        name = str(d.get("name") or urlsplit(d["url"].replace("{cursor}", "")).netloc)
        return cls(
            name=name,
            url=str(d["url"]),
            paths=FeedPaths(**p),
            start_cursor=str(d.get("start_cursor", "")),
            headers={str(k): str(v) for k, v in (d.get("headers") or {}).items()},
            params={str(k): str(v) for k, v in (d.get("params") or {}).items()},
            max_pages=int(d.get("max_pages", 0)),
            download=download,
        )


def load_feed_config(path: str | Path) -> FeedConfig:
    """Read a feed description from .toml, .yaml or .yml."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such feed config file")
    try:
        if p.suffix.lower() == ".toml":
            d = tomllib.loads(p.read_text(encoding="utf-8"))
        elif p.suffix.lower() in (".yaml", ".yml"):
            import yaml

            d = yaml.safe_load(p.read_text(encoding="utf-8"))
        else:
            raise OptionError(f"{p}: feed config must be .toml, .yaml or .yml")
    except (tomllib.TOMLDecodeError, ValueError) as e:
        if isinstance(e, OptionError):
            raise
        raise OptionError(f"{p}: not valid {p.suffix[1:].upper()}: {e}") from None
    except Exception as e:  # yaml.YAMLError without importing yaml at module level
        raise OptionError(f"{p}: not valid YAML: {e}") from None
    return FeedConfig.from_dict(d, str(p))


class CheckpointTracker:
    """Advances the stored resume cursor past pages whose every item is in the catalog."""

    def __init__(self, catalog: Any, key: str, min_interval_s: float = 0.5) -> None:
        self.catalog = catalog
        self.key = key
        self.min_interval_s = min_interval_s
        self.pending: deque[tuple[PageMark, set[str]]] = deque()
        self._last = 0.0
        self.saved: dict[str, Any] | None = None

    def load(self) -> dict[str, Any] | None:
        raw = self.catalog.get_meta(self.key)
        return json.loads(raw) if raw else None

    def add(self, mark: PageMark) -> None:
        self.pending.append((mark, set(mark.sources)))

    def commit(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.min_interval_s:
            return
        self._last = now
        done: PageMark | None = None
        popped = 0
        while self.pending:
            _, left = self.pending[0]
            for s in [s for s in left if self.catalog.seen(s) is not None]:
                left.discard(s)
            if left:
                break
            done = self.pending.popleft()[0]
            popped += 1
        if done is None:
            return
        state: dict[str, Any]
        if self.pending:
            state = {"cursor": self.pending[0][0].cursor, "finished": False}
        elif done.has_more:
            state = {"cursor": done.next_cursor, "finished": False}
        else:  # the end: a rerun refetches the last page to pick up anything new
            state = {"cursor": done.cursor, "finished": True}
        prev = self.saved or {}
        state["pages"] = int(prev.get("pages", 0)) + popped
        state["updated"] = time.time()
        self.catalog.set_meta(self.key, json.dumps(state))
        self.saved = state


class FeedSource:
    """A Source over a paginated JSON feed. After the run, call ``checkpoint()`` so the
    last pages count as done (the Ingestor writes its final batch after iteration)."""

    def __init__(
        self,
        config: FeedConfig,
        catalog: Any,
        options: DownloadOptions | None = None,
        *,
        max_items: int | None = None,
        restart: bool = False,
        on_request: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config
        self.catalog = catalog
        self.options = options or DownloadOptions(**config.download)
        self.label = f"feed:{config.name}"
        self.tracker = CheckpointTracker(catalog, config.checkpoint_key)
        state = None if restart else self.tracker.load()
        self.tracker.saved = state
        self.resumed_from: str | None = state["cursor"] if state else None
        self.start = self.resumed_from if state else config.start_cursor
        self.pages = 0
        self.stream = DownloadStream(
            self._produce,
            self.options,
            known=self._known,
            max_items=max_items,
            on_request=on_request,
        )

    def _known(self, source: str) -> bool:
        return self.catalog.is_final(source)

    def _items(self, page: Any, url: str) -> list[Item]:
        p = self.config.paths
        raw = get_path(page, p.items)
        if raw is _MISSING or raw is None:
            raw = []
        if not isinstance(raw, list):
            raise FeedError(
                f"feed page {url}: paths.items ({p.items!r}) is a {type(raw).__name__}, not a list"
            )
        out: list[Item] = []
        for n, obj in enumerate(raw):

            def text(path: str | None, _o: Any = obj) -> str | None:
                if not path:
                    return None
                v = get_path(_o, path)
                return None if v is _MISSING or v is None or v == "" else str(v)

            meta = {}
            for mp in p.meta:
                v = get_path(obj, mp)
                if v is not _MISSING:
                    meta[mp.rsplit(".", 1)[-1]] = v
            img, ext_id = text(p.image_url), text(p.id)
            item = Item(
                source=img or "",
                page_url=text(p.page_url),
                caption=text(p.caption),
                external_id=ext_id,
                meta=meta,
            )
            if img is None:  # still recorded, keyed by the feed and the item's id
                item.source = f"{self.label}#{ext_id or f'{url}#{n}'}"
                item.status, item.error_code = ERROR, "no_image_url"
                item.error = f"item has no image URL at paths.image_url ({p.image_url!r})"
            out.append(item)
        return out

    async def _produce(self, fetcher: Fetcher, sink: Sink) -> None:
        cfg, p = self.config, self.config.paths
        cursor: str | None = self.start
        while not sink.stopping:
            url = cfg.page_url(cursor)
            res = await fetcher.fetch(url, extra_headers=cfg.headers or None)
            if not res.ok or res.data is None:
                raise FeedError(f"feed page {url}: {res.error_code}: {res.error}")
            try:
                page = json.loads(res.data)
            except ValueError as e:
                raise FeedError(f"feed page {url}: not JSON: {e}") from None
            items = self._items(page, url)
            nxt = get_path(page, p.next_cursor)
            next_cursor = None if nxt is _MISSING or nxt in (None, "") else str(nxt)
            if p.has_more:
                hm = get_path(page, p.has_more)
                has_more = bool(hm) and hm is not _MISSING and next_cursor is not None
            else:
                has_more = next_cursor is not None
            if has_more and next_cursor == cursor:
                raise FeedError(
                    f"feed page {url}: next cursor equals this page's cursor "
                    f"({cursor!r}); the feed would loop"
                )
            self.pages += 1
            await sink.mark(PageMark(cursor, next_cursor, has_more, [i.source for i in items]))
            for item in items:
                if not await sink.submit(item):
                    return
            if not has_more or (cfg.max_pages and self.pages >= cfg.max_pages):
                return
            cursor = next_cursor

    def __iter__(self) -> Iterator[Item]:
        for x in self.stream:
            if isinstance(x, PageMark):
                self.tracker.add(x)
                continue
            self.tracker.commit()
            yield x

    def checkpoint(self) -> dict[str, Any] | None:
        """Store the resume cursor as far as the catalog allows; call after the run."""
        self.tracker.commit(force=True)
        return self.tracker.saved
