"""CLI commands: ``facedex models pull|list|remove`` for user-supplied ONNX models."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import typer

from facedex.cli.common import console, friendly_errors

if TYPE_CHECKING:
    from facedex.models.store import Kind, ModelStore

models_app = typer.Typer(
    name="models", no_args_is_help=True, help="Pull, list and remove user-supplied ONNX models."
)

ModelDirOpt = typer.Option(
    None,
    "--model-dir",
    help="Model cache folder (default: FACEDEX_MODEL_DIR or ~/.cache/facedex/models)",
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(models_app, name="models")


def _store(model_dir: Path | None) -> ModelStore:
    from facedex.config import Settings
    from facedex.models.store import ModelStore

    no_overrides: dict[str, Any] = {}  # defaults and FACEDEX_* environment only
    return ModelStore(model_dir or Settings(**no_overrides).model_dir)


@models_app.command("pull")
def pull(
    source: str = typer.Argument(
        ...,
        metavar="NAME|URL|FILE",
        help="An http(s) URL or local path of an .onnx file (or of a zip, with --member), "
        "or a known name (see 'facedex models list --known')",
    ),
    sha256: str = typer.Option(..., "--sha256", help="Expected SHA-256 of the downloaded file"),
    name: str = typer.Option(None, "--name", help="Cache name (default: from the URL)"),
    kind: str = typer.Option(
        None, "--kind", help="detector or embedder (default: from the model's shapes)"
    ),
    threshold: float = typer.Option(
        None, "--threshold", help="Same-person cosine threshold for an embedder (default 0.35)"
    ),
    member: str = typer.Option(None, "--member", help="File to take out of a zip archive"),
    max_mb: int = typer.Option(1024, "--max-mb", min=1, help="Refuse larger downloads"),
    force: bool = typer.Option(False, "--force", help="Replace a different model of that name"),
    model_dir: Path = ModelDirOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Download a model, verify its checksum, check it loads and has the right shapes."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TransferSpeedColumn,
    )

    with friendly_errors():
        from facedex.errors import ModelError
        from facedex.models.store import KINDS

        if kind is not None and kind not in KINDS:
            raise ModelError(f"--kind must be detector or embedder, not {kind!r}")
        store = _store(model_dir)
        with Progress(
            TextColumn("[bold]downloading"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=console,
            disable=quiet,
        ) as bar:
            task = bar.add_task("pull", total=None)

            def progress(done: int, total: int | None) -> None:
                bar.update(task, completed=done, total=total)

            spec = store.pull(
                source,
                sha256,
                cast("Kind | None", kind),
                name=name,
                threshold=threshold,
                member=member,
                max_bytes=max_mb << 20,
                force=force,
                on_progress=progress,
            )
        extra = f", {spec.dim}-d vectors, threshold {spec.threshold}" if spec.dim else ""
        console.print(
            f"[green]ok[/green] {spec.name}: {spec.kind}{extra}, input "
            f"{spec.input_size[0]}x{spec.input_size[1]}, sha256 {spec.sha256[:12]}..."
        )
        env = "FACEDEX_DETECTOR" if spec.kind == "detector" else "FACEDEX_EMBEDDER"
        console.print(f"use it with --{spec.kind} onnx:{spec.name} or {env}=onnx:{spec.name}")


@models_app.command("list")
def list_models(
    model_dir: Path = ModelDirOpt,
    known: bool = typer.Option(False, "--known", help="Also list names 'pull' knows"),
) -> None:
    """Models in the cache (and, with --known, the names pull understands)."""
    from rich.table import Table

    from facedex.models.store import CATALOGUE

    with friendly_errors():
        store = _store(model_dir)
        specs = store.list()
        t = Table(title=f"{len(specs)} model(s) in {store.root}")
        for col in ("name", "kind", "dim", "threshold", "input", "sha256", "MB", "source"):
            t.add_column(col)
        for s in specs:
            t.add_row(
                s.name,
                s.kind,
                str(s.dim or "-"),
                f"{s.threshold:g}",
                f"{s.input_size[0]}x{s.input_size[1]}",
                s.sha256[:12],
                f"{s.size_bytes / 1e6:.1f}",
                s.source + (f"#{s.member}" if s.member else ""),
            )
        console.print(t)
        if known:
            k = Table(title="known names (pass --sha256 from the publisher)")
            for col in ("name", "kind", "url", "member"):
                k.add_column(col)
            for n, m in sorted(CATALOGUE.items()):
                k.add_row(n, m.kind, m.url, m.member or "")
            console.print(k)


@models_app.command("remove")
def remove(
    name: str = typer.Argument(..., help="Cache name, as 'facedex models list' shows it"),
    model_dir: Path = ModelDirOpt,
) -> None:
    """Delete a cached model.

    Libraries indexed with it keep their vectors but cannot search until it is pulled again.
    """
    with friendly_errors():
        spec = _store(model_dir).remove(name)
        console.print(f"removed {spec.name} ({spec.kind}, sha256 {spec.sha256[:12]}...)")
