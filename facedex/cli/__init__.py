"""The ``facedex`` command. Each group of commands lives in its own module and registers
itself here; heavy imports happen inside the commands, so ``facedex --help`` is instant."""

from __future__ import annotations

import typer

from facedex.cli import core, ingest, models, serve

app = typer.Typer(
    name="facedex",
    help="Index photos by face and search them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in (core, ingest, models, serve):
    _module.register(app)


def main() -> None:
    app()
