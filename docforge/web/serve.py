"""``docforge serve``: the host and password rules, then uvicorn."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from ..errors import InputError

PASSWORD_ENV = "DOCFORGE_WEB_PASSWORD"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "docforge" / "web"


def read_password(password_file: Path | None) -> str | None:
    if password_file is not None:
        try:
            text = Path(password_file).read_text(encoding="utf-8")
        except OSError as e:
            raise InputError(f"{password_file}: cannot be read: {e.strerror}") from None
        password = text.splitlines()[0].strip() if text.strip() else ""
        if not password:
            raise InputError(f"{password_file}: is empty; write the password on its first line")
        return password
    password = os.environ.get(PASSWORD_ENV, "").strip()
    return password or None


def check_start(host: str, password: str | None) -> None:
    """Anything but loopback needs a password (of at least 8 characters)."""
    from .app import is_loopback

    if is_loopback(host):
        return
    if password is None:
        raise InputError(f"--host {host} opens the workbench to other computers: give a password with "
                         f"--password-file FILE or the environment variable {PASSWORD_ENV}")
    if len(password) < 8:
        raise InputError("the password is too short: use at least 8 characters")


def run(host: str, port: int, data_dir: Path | None, password_file: Path | None,
        echo: Callable[[str], None] = print) -> None:
    try:
        import uvicorn

        from .app import create_app
    except ImportError as e:
        raise InputError(f"docforge serve needs the web extra: pip install 'docforge[web]' ({e.name} is missing)") from None
    password = read_password(password_file)
    check_start(host, password)  # on this machine alone a password is optional, and used if given
    data = Path(data_dir) if data_dir else default_data_dir()
    app = create_app(data, password)
    shown = f"[{host}]" if ":" in host else host
    echo(f"docforge workbench: http://{shown}:{port}/  (data: {data}{', password required' if password else ''})")
    echo("Ctrl-C stops it.")
    uvicorn.run(app, host=host, port=port, log_level="warning")
