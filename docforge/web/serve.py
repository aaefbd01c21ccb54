"""``docforge serve``: the host and password rules, then uvicorn."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from ..errors import InputError
from ..i18n import _

PASSWORD_ENV = "DOCFORGE_WEB_PASSWORD"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "docforge" / "web"


def read_password(password_file: Path | None) -> str | None:
    if password_file is not None:
        try:
            text = Path(password_file).read_text(encoding="utf-8")
        except OSError as e:
            raise InputError(_("{file}: cannot be read: {reason}", file=password_file, reason=e.strerror)) from None
        password = text.splitlines()[0].strip() if text.strip() else ""
        if not password:
            raise InputError(_("{file}: is empty; write the password on its first line", file=password_file))
        return password
    password = os.environ.get(PASSWORD_ENV, "").strip()
    return password or None


def check_start(host: str, password: str | None) -> None:
    """Anything but loopback needs a password (of at least 8 characters)."""
    from .app import is_loopback

    if is_loopback(host):
        return
    if password is None:
        raise InputError(_("--host {host} opens the workbench to other computers: give a password with "
                           "--password-file FILE or the environment variable {env}", host=host, env=PASSWORD_ENV))
    if len(password) < 8:
        raise InputError(_("the password is too short: use at least {n} characters", n=8))


def run(host: str, port: int, data_dir: Path | None, password_file: Path | None,
        echo: Callable[[str], None] = print) -> None:
    try:
        import uvicorn

        from .app import create_app
    except ImportError as e:
        raise InputError(_("docforge serve needs the web extra: pip install 'docforge[web]' ({module} is missing)",
                           module=e.name)) from None
    password = read_password(password_file)
    check_start(host, password)  # on this machine alone a password is optional, and used if given
    data = Path(data_dir) if data_dir else default_data_dir()
    from .. import i18n

    # a committee works in Chinese: English only when asked for (--lang en, DOCFORGE_LANG=en)
    lang = i18n.chosen_language("zh") or "zh"
    app = create_app(data, password, lang)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    echo(_("docforge workbench: {url}  (data: {data})", url=url, data=data)
         + (_(", password required") if password else ""))
    echo(_("Ctrl-C stops it."))
    uvicorn.run(app, host=host, port=port, log_level="warning")
