"""Shared CLI plumbing: the library option, settings, and turning errors into exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

LibraryOpt = typer.Option(
    Path(os.environ.get("FACEDEX_LIBRARY", "facedex-library")),
    "--library",
    "-L",
    help="Library folder (catalog + index). Env: FACEDEX_LIBRARY.",
)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """A FacedexError becomes one clear line and exit code 2; no traceback."""
    from facedex.errors import FacedexError

    try:
        yield
    except FacedexError as e:
        err_console.print(f"[red]error:[/red] {e}")
        sys.exit(2)
    except FileNotFoundError as e:
        err_console.print(f"[red]error:[/red] {e}")
        sys.exit(2)


def open_engine(library: Path, **overrides: Any) -> Any:
    from pydantic import ValidationError

    from facedex.config import Settings
    from facedex.engine import Engine

    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as e:
        err_console.print(
            f"[red]error:[/red] invalid setting: {e.errors()[0]['loc'][0]}: {e.errors()[0]['msg']}"
        )
        sys.exit(2)
    return Engine(library, settings)


def command(app: typer.Typer, name: str, **kw: Any) -> Callable[[Callable[..., Any]], Any]:
    return app.command(name, **kw)
