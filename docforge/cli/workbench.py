"""``docforge serve``: the drafting committee's workbench."""

from __future__ import annotations

from pathlib import Path

import click

from .base import cli


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but this machine (127.0.0.1) requires a password.")
@click.option("--data", "data_dir", type=click.Path(path_type=Path),
              help="Folder for the drafts, versions and uploads (one SQLite file). Default: ~/.local/share/docforge/web")
@click.option("--password-file", type=click.Path(path_type=Path),
              help="A file whose first line is the password (or set DOCFORGE_WEB_PASSWORD).")
def serve(port: int, host: str, data_dir: Path | None, password_file: Path | None) -> None:
    """The drafting committee's workbench in a browser: draft, check, compare and download (docs/web.md)."""
    from ..web.serve import run

    run(host=host, port=port, data_dir=data_dir, password_file=password_file, echo=click.echo)
