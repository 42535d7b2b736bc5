"""CLI commands: ``ingest`` (URL list or folder, ``--watch``) and ``crawl`` (JSON feed)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import typer

from facedex.cli.common import LibraryOpt, console, err_console, friendly_errors, open_engine

_SUFFIXES = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("ingest")(ingest)
    app.command("crawl")(crawl)


def parse_size(text: str | None, option: str) -> int | None:
    """'500M', '2G', '123456' -> bytes."""
    if text is None:
        return None
    t = text.strip().lower().removesuffix("b").removesuffix("i")
    mult = 1
    if t and t[-1] in _SUFFIXES:
        mult, t = _SUFFIXES[t[-1]], t[:-1]
    try:
        return int(float(t) * mult)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a size like 500M or 2G", param_hint=option
        ) from None


# Options shared by both commands (download behaviour).
ConcurrencyOpt = typer.Option(None, "--concurrency", help="Downloads in flight (default 64)")
PerHostOpt = typer.Option(None, "--per-host", help="Downloads in flight per host (default 8)")
RateOpt = typer.Option(
    None, "--rate", help="Requests/s per host (default 10; robots.txt crawl-delay can only slow it)"
)
TimeoutOpt = typer.Option(None, "--timeout", help="Total seconds per request (default 60)")
MaxSizeOpt = typer.Option(None, "--max-size", help="Largest image to download, e.g. 20M")
RetriesOpt = typer.Option(None, "--retries", help="Retries on timeouts, 429, 5xx (default 3)")
UserAgentOpt = typer.Option(None, "--user-agent", help="Must name facedex")
ContactOpt = typer.Option(None, "--contact", help="Contact URL put in the User-Agent")
IgnoreXRobotsOpt = typer.Option(
    False, "--ignore-x-robots-tag", help="Index images whose X-Robots-Tag says noai/noindex"
)
AllowPrivateOpt = typer.Option(
    False, "--allow-private", help="Allow private-network addresses (10/8, 192.168/16, ...)"
)
AllowLoopbackOpt = typer.Option(
    False, "--allow-loopback", help="Allow 127.0.0.1/localhost (local mirrors, tests)"
)
KeepOpt = typer.Option(None, "--keep-originals", help="Also keep downloaded files here")
QuotaOpt = typer.Option(
    None, "--disk-quota", help="Stop when --keep-originals holds this much, e.g. 50G"
)
MaxItemsOpt = typer.Option(None, "--max-items", min=1, help="Stop after this many new items")
WorkersOpt = typer.Option(None, "--workers", "-w", help="Worker processes (default 2)")
QuietOpt = typer.Option(False, "--quiet", "-q")
JsonOpt = typer.Option(False, "--json", help="Print the final stats as JSON")


def _options(base: dict[str, Any], **cli: Any) -> Any:
    """DownloadOptions from a config's [download] table overridden by CLI flags."""
    from facedex.sources.download import DownloadOptions

    names = {
        "concurrency": "concurrency",
        "per_host": "per_host",
        "rate": "per_host_rate",
        "timeout": "total_timeout",
        "max_size": "max_bytes",
        "retries": "retries",
        "user_agent": "user_agent",
        "contact": "contact_url",
        "keep_originals": "keep_originals",
        "disk_quota": "disk_quota",
    }
    kw = dict(base)
    for k, v in cli.items():
        if k in names and v is not None:
            kw[names[k]] = v
    if cli.get("ignore_x_robots_tag"):
        kw["respect_x_robots_tag"] = False
    if cli.get("allow_private"):
        kw["allow_private"] = True
    if cli.get("allow_loopback"):
        kw["allow_loopback"] = True
    return DownloadOptions(**kw)


class _Display:
    """One live status line: seen, downloaded, skipped (why), failed (why), faces, rate."""

    def __init__(self, stream: Any, quiet: bool) -> None:
        from rich.live import Live

        self.stream = stream
        self.live = (
            Live(console=console, refresh_per_second=4, transient=True, auto_refresh=False)
            if not quiet
            else None
        )
        self._last = 0.0

    @staticmethod
    def _why(d: dict[str, int]) -> str:
        top = sorted(d.items(), key=lambda kv: -kv[1])[:4]
        return ", ".join(f"{k} {v}" for k, v in top)

    def text(self, st: Any) -> str:
        f = getattr(self.stream, "stats", None)
        parts = [f"seen {st.seen}"]
        if f is not None:
            parts.append(f"downloaded {f.downloaded} ({f.bytes / 1e6:.1f} MB)")
        skipped = st.skipped + st.refused + st.duplicates
        why = {"already indexed": st.skipped, "duplicate": st.duplicates, **st.refusals}
        parts.append(
            f"skipped {skipped}"
            + (f" [{self._why({k: v for k, v in why.items() if v})}]" if skipped else "")
        )
        parts.append(f"failed {st.failed}" + (f" [{self._why(st.errors)}]" if st.failed else ""))
        parts.append(f"no face {st.no_face}")
        parts.append(f"faces {st.faces}")
        rate = st.processed / max(time.time() - st.started, 1e-9)
        parts.append(f"{rate:.1f} images/s")
        return " | ".join(parts)

    def __call__(self, st: Any, rec: Any) -> None:
        now = time.monotonic()
        if self.live is None or now - self._last < 0.25:
            return
        self._last = now
        from rich.text import Text

        self.live.update(Text(self.text(st)), refresh=True)

    def __enter__(self) -> _Display:
        if self.live is not None:
            self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)


def _report(result: Any, display: _Display, as_json: bool) -> None:
    import json

    if as_json:
        print(json.dumps(result.as_dict(), indent=2, default=str))
        return
    from rich.text import Text

    console.print(Text(display.text(result.stats)))
    reasons = {
        "max_items": "reached --max-items",
        "end": "end of the source",
        "disk_quota": "disk quota reached (rerun with more room to resume)",
        "interrupted": "interrupted (rerun to resume)",
    }
    if result.stop_reason:
        console.print(f"stopped: {reasons.get(result.stop_reason, result.stop_reason)}")
    if result.checkpoint:
        cp = result.checkpoint
        console.print(
            f"checkpoint: cursor {cp.get('cursor')!r}"
            f"{' (feed finished)' if cp.get('finished') else ''}"
        )


def ingest(
    source: Path = typer.Argument(
        ..., help="URL list (.txt, .csv, .tsv, .jsonl, .parquet) or a folder"
    ),
    library: Path = LibraryOpt,
    watch: bool = typer.Option(False, "--watch", help="Folder: keep picking up new files"),
    interval: float = typer.Option(2.0, "--interval", help="--watch: seconds between scans"),
    idle_stop: float = typer.Option(
        None, "--idle-stop", help="--watch: stop after this many seconds without new files"
    ),
    url_col: str = typer.Option(
        None, "--url-col", help="URL column (default: url, image_url, ...)"
    ),
    page_col: str = typer.Option(None, "--page-col", help="Page URL column"),
    caption_col: str = typer.Option(None, "--caption-col", help="Caption column"),
    id_col: str = typer.Option(None, "--id-col", help="Item id column"),
    max_items: int = MaxItemsOpt,
    workers: int = WorkersOpt,
    concurrency: int = ConcurrencyOpt,
    per_host: int = PerHostOpt,
    rate: float = RateOpt,
    timeout: float = TimeoutOpt,
    max_size: str = MaxSizeOpt,
    retries: int = RetriesOpt,
    user_agent: str = UserAgentOpt,
    contact: str = ContactOpt,
    ignore_x_robots_tag: bool = IgnoreXRobotsOpt,
    allow_private: bool = AllowPrivateOpt,
    allow_loopback: bool = AllowLoopbackOpt,
    keep_originals: Path = KeepOpt,
    disk_quota: str = QuotaOpt,
    quiet: bool = QuietOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Index a folder (optionally watching it) or download and index a URL list.

    A rerun skips everything already recorded, so an interrupted run resumes."""
    from facedex.sources.download import OptionError
    from facedex.sources.run import IngestResult, ingest_urls, run_source
    from facedex.sources.urllist import Columns, UrlListSource
    from facedex.sources.watch import WatchFolderSource

    with friendly_errors():
        try:
            if source.is_dir():
                if any(v is not None for v in (url_col, page_col, caption_col, id_col)):
                    raise OptionError(
                        "--url-col/--page-col/--caption-col/--id-col are for URL lists, not folders"
                    )
                from facedex.sources.folder import FolderSource

                src: Any = (
                    WatchFolderSource([source], interval_s=interval, idle_stop_s=idle_stop)
                    if watch
                    else FolderSource([source])
                )
                eng = open_engine(library, workers=workers)
                display = _Display(None, quiet)
                try:
                    with display:
                        st = run_source(
                            eng,
                            src,
                            workers=1 if watch else workers,
                            on_progress=display,
                            commit_every=1 if watch else 32,
                        )
                    _report(IngestResult(st, stop_reason="end"), display, as_json)
                except KeyboardInterrupt:
                    err_console.print("interrupted: everything recorded so far is kept")
                    sys.exit(130)
                finally:
                    eng.close()
                return
            if watch:
                raise OptionError("--watch needs a folder, not a URL list file")
            opts = _options(
                {},
                concurrency=concurrency,
                per_host=per_host,
                rate=rate,
                timeout=timeout,
                max_size=parse_size(max_size, "--max-size"),
                retries=retries,
                user_agent=user_agent,
                contact=contact,
                ignore_x_robots_tag=ignore_x_robots_tag,
                allow_private=allow_private,
                allow_loopback=allow_loopback,
                keep_originals=keep_originals,
                disk_quota=parse_size(disk_quota, "--disk-quota"),
            )
            eng = open_engine(library, workers=workers)
            cols = Columns(url_col, page_col, caption_col, id_col)
            usrc = UrlListSource(
                source, opts, columns=cols, known=eng.catalog.is_final, max_items=max_items
            )
        except (OptionError, ValueError) as e:
            err_console.print(f"[red]error:[/red] {e}")
            sys.exit(2)
        display = _Display(usrc.stream, quiet)
        try:
            with display:
                res = ingest_urls(eng, source, workers=workers, on_progress=display, source=usrc)
            _report(res, display, as_json)
        except KeyboardInterrupt:
            err_console.print("interrupted: rerun the same command to resume")
            sys.exit(130)
        finally:
            eng.close()


def crawl(
    config: Path = typer.Argument(..., help="Feed description (.toml, .yaml)"),
    library: Path = LibraryOpt,
    max_items: int = MaxItemsOpt,
    restart: bool = typer.Option(
        False, "--restart", help="Ignore the saved checkpoint and start from start_cursor"
    ),
    workers: int = WorkersOpt,
    concurrency: int = ConcurrencyOpt,
    per_host: int = PerHostOpt,
    rate: float = RateOpt,
    timeout: float = TimeoutOpt,
    max_size: str = MaxSizeOpt,
    retries: int = RetriesOpt,
    user_agent: str = UserAgentOpt,
    contact: str = ContactOpt,
    ignore_x_robots_tag: bool = IgnoreXRobotsOpt,
    allow_private: bool = AllowPrivateOpt,
    allow_loopback: bool = AllowLoopbackOpt,
    keep_originals: Path = KeepOpt,
    disk_quota: str = QuotaOpt,
    quiet: bool = QuietOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Crawl a paginated JSON feed, resuming from the last checkpoint.

    Stops at --max-items, at the end of the feed, or on Ctrl-C; rerun to continue."""
    from facedex.sources.download import OptionError
    from facedex.sources.feed import FeedSource, load_feed_config
    from facedex.sources.run import crawl as run_crawl

    with friendly_errors():
        try:
            cfg = load_feed_config(config)
            opts = _options(
                cfg.download,
                concurrency=concurrency,
                per_host=per_host,
                rate=rate,
                timeout=timeout,
                max_size=parse_size(max_size, "--max-size"),
                retries=retries,
                user_agent=user_agent,
                contact=contact,
                ignore_x_robots_tag=ignore_x_robots_tag,
                allow_private=allow_private,
                allow_loopback=allow_loopback,
                keep_originals=keep_originals,
                disk_quota=parse_size(disk_quota, "--disk-quota"),
            )
            eng = open_engine(library, workers=workers)
            src = FeedSource(cfg, eng.catalog, opts, max_items=max_items, restart=restart)
        except (OptionError, ValueError, TypeError) as e:
            err_console.print(f"[red]error:[/red] {e}")
            sys.exit(2)
        if src.resumed_from is not None and not quiet:
            console.print(f"resuming {cfg.name} from cursor {src.resumed_from!r}")
        display = _Display(src.stream, quiet)
        try:
            with display:
                res = run_crawl(eng, cfg, workers=workers, on_progress=display, source=src)
            _report(res, display, as_json)
        except KeyboardInterrupt:
            cp = src.tracker.saved or {}
            err_console.print(
                f"interrupted: checkpoint at cursor {cp.get('cursor')!r}; "
                "rerun the same command to resume"
            )
            sys.exit(130)
        finally:
            eng.close()
