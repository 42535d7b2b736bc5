"""URL lists: a text file (one URL a line), CSV/TSV, JSONL or Parquet with a URL column.

Optional page URL, caption and id columns are recognised by common names (or named
explicitly); every other column is kept as the image's metadata and comes back with
search results.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facedex.pipeline import Item
from facedex.sources.download import DownloadOptions, Fetcher, OptionError
from facedex.sources.stream import DownloadStream, Sink

FORMATS = {
    ".txt": "text",
    ".urls": "text",
    ".lst": "text",
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
}
URL_NAMES = ("url", "image_url", "img_url", "image", "src", "URL")
PAGE_NAMES = ("page_url", "page", "permalink", "link")
CAPTION_NAMES = ("caption", "alt", "text", "title", "description")
ID_NAMES = ("id", "key", "external_id", "uid")


@dataclass
class Columns:
    """Which column holds what; None means: pick by the usual names."""

    url: str | None = None
    page_url: str | None = None
    caption: str | None = None
    id: str | None = None

    def resolve(self, names: list[str], where: str) -> Columns:
        def pick(given: str | None, options: tuple[str, ...], what: str) -> str | None:
            if given is not None:
                if given not in names:
                    raise OptionError(f"{where}: no {what} column {given!r}; columns are {names}")
                return given
            return next((n for n in options if n in names), None)

        url = pick(self.url, URL_NAMES, "URL")
        if url is None:
            raise OptionError(
                f"{where}: no URL column (looked for {list(URL_NAMES)}); "
                f"columns are {names}: name it with --url-col"
            )
        return Columns(
            url,
            pick(self.page_url, PAGE_NAMES, "page URL"),
            pick(self.caption, CAPTION_NAMES, "caption"),
            pick(self.id, ID_NAMES, "id"),
        )


def _plain(v: Any) -> Any:
    """Metadata must survive JSON: dates become ISO strings, bytes are dropped."""
    if isinstance(v, dt.date | dt.datetime | dt.time):
        return v.isoformat()
    if isinstance(v, bytes):
        return None
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    return v


def _text(v: Any) -> str | None:
    if v is None or v == "":
        return None
    return str(v)


class UrlList:
    """Rows of a URL list file as Items without data (the downloader fills them)."""

    def __init__(
        self, path: str | Path, columns: Columns | None = None, fmt: str | None = None
    ) -> None:
        self.path = Path(path).expanduser()
        if not self.path.is_file():
            raise FileNotFoundError(f"{self.path}: no such URL list file")
        self.format = fmt or FORMATS.get(self.path.suffix.lower(), "text")
        if self.format not in set(FORMATS.values()):
            raise OptionError(
                f"unknown URL list format {self.format!r}; use one of "
                f"{sorted(set(FORMATS.values()))}"
            )
        self.columns = self._check(columns or Columns())

    def _header(self) -> list[str]:
        if self.format in ("csv", "tsv"):
            with self.path.open(newline="", encoding="utf-8-sig") as f:
                return next(csv.reader(f, delimiter="\t" if self.format == "tsv" else ","), [])
        if self.format == "parquet":
            import pyarrow.parquet as pq

            return list(pq.ParquetFile(self.path).schema_arrow.names)
        if self.format == "jsonl":
            with self.path.open(encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        obj = json.loads(line)
                        return list(obj) if isinstance(obj, dict) else []
            return []
        return ["url"]

    def _check(self, columns: Columns) -> Columns:
        if self.format == "text":
            return Columns(url="url")
        try:
            names = self._header()
        except (ValueError, OSError) as e:
            raise OptionError(f"{self.path}: cannot read it as {self.format}: {e}") from None
        return columns.resolve(names, str(self.path))

    def _rows(self) -> Iterator[dict[str, Any]]:
        if self.format == "text":
            with self.path.open(encoding="utf-8") as f:
                for line in f:
                    line = line.strip()
                    if line and not line.startswith("#"):
                        yield {"url": line}
        elif self.format in ("csv", "tsv"):
            with self.path.open(newline="", encoding="utf-8-sig") as f:
                yield from csv.DictReader(f, delimiter="\t" if self.format == "tsv" else ",")
        elif self.format == "jsonl":
            with self.path.open(encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    if not line.strip():
                        continue
                    try:
                        obj = json.loads(line)
                    except ValueError as e:
                        raise OptionError(f"{self.path}:{n}: not JSON: {e}") from None
                    if isinstance(obj, dict):
                        yield obj
        else:
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(self.path)
            for batch in pf.iter_batches(batch_size=4096):
                yield from batch.to_pylist()

    def __iter__(self) -> Iterator[Item]:
        c = self.columns
        named = {c.url, c.page_url, c.caption, c.id}
        for row in self._rows():
            url = _text(row.get(c.url or "url"))
            if url is None:
                continue
            meta = {
                k: _plain(v) for k, v in row.items() if k not in named and v is not None and v != ""
            }
            yield Item(
                source=url.strip(),
                page_url=_text(row.get(c.page_url or "")),
                caption=_text(row.get(c.caption or "")),
                external_id=_text(row.get(c.id or "")),
                meta=meta,
            )


class UrlListSource:
    """A Source: downloads every image of a URL list (``engine.index_items(src)``).

    ``known`` (usually ``catalog.is_final``) skips URLs already in the catalog without
    downloading them again, which is how a rerun resumes.
    """

    def __init__(
        self,
        path: str | Path,
        options: DownloadOptions | None = None,
        *,
        columns: Columns | None = None,
        fmt: str | None = None,
        known: Callable[[str], Any] | None = None,
        max_items: int | None = None,
        on_request: Callable[[str], None] | None = None,
    ) -> None:
        self.urls = UrlList(path, columns, fmt)
        self.options = options or DownloadOptions()
        self.label = str(self.urls.path)
        self._known = known
        self.stream = DownloadStream(
            self._produce,
            self.options,
            known=self._is_known,
            max_items=max_items,
            on_request=on_request,
        )

    def _is_known(self, source: str) -> bool:
        return self._known is not None and bool(self._known(source))

    async def _produce(self, fetcher: Fetcher, sink: Sink) -> None:
        for item in self.urls:
            if not await sink.submit(item):
                return

    def __iter__(self) -> Iterator[Item]:
        for x in self.stream:
            if isinstance(x, Item):
                yield x
