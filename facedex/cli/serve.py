"""CLI commands: ``facedex serve`` (the HTTP service) and ``facedex serve-key`` (make an
API key and the hashed line for the keys file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from facedex.cli.common import LibraryOpt, console, friendly_errors, open_engine


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""

    @app.command("serve")
    def serve(
        library: Path = LibraryOpt,
        host: str = typer.Option(
            None,
            help="Bind address (default 127.0.0.1: this machine only). Env: FACEDEX_SERVE_HOST.",
        ),
        port: int = typer.Option(None, help="Port (default 8000). Env: FACEDEX_SERVE_PORT."),
        keys: Path = typer.Option(
            None,
            "--keys",
            exists=True,
            dir_okay=False,
            help="API keys file ('<sha256> <role> [name]' lines).",
        ),
        private: bool = typer.Option(False, "--private", help="Searches need a search key."),
        workers: int = typer.Option(
            None,
            "--analysis-workers",
            help="Processes analysing query photos (default 0: in the server process).",
        ),
    ) -> None:
        """Serve the search API, the web page and share links."""
        import uvicorn

        from facedex.service import ServiceSettings, create_app

        overrides: dict[str, Any] = {
            "host": host,
            "port": port,
            "keys_file": keys,
            "analysis_workers": workers,
        }
        if private:
            overrides["search_open"] = False
        with friendly_errors():
            settings = ServiceSettings(**{k: v for k, v in overrides.items() if v is not None})
            engine = open_engine(library)
            app = create_app(engine, settings)
            console.print(
                f"facedex serving {engine.root} at http://{settings.host}:"
                f"{settings.port}/ (API docs at /docs)"
            )
            uvicorn.run(
                app,
                host=settings.host,
                port=settings.port,
                log_level="warning",
                access_log=False,
                timeout_keep_alive=5,
                limit_concurrency=1024,
            )
            engine.close()

    @app.command("serve-key")
    def serve_key(
        role: str = typer.Option("search", help="search or admin"),
        name: str = typer.Option("key", help="Name shown in the audit log"),
        keys: Path = typer.Option(None, "--keys", help="Append the hashed line to this file"),
    ) -> None:
        """Make a new API key: prints it once; only its hash goes in the keys file."""
        from facedex.service.keys import Role, hash_key, new_key

        try:
            r = Role(role)
        except ValueError:
            raise typer.BadParameter(f"role must be one of {[x.value for x in Role]}") from None
        key = new_key()
        line = f"{hash_key(key)} {r.value} {name}"
        if keys is not None:
            with keys.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
        console.print(f"key: {key}\nkeys file line: {line}", soft_wrap=True)
