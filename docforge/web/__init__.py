"""``docforge serve``: the drafting committee's workbench (the ``web`` extra; see docs/web.md).

A Starlette app with server-rendered Jinja pages and htmx, over SQLite. It calls the engine's public
functions only (:mod:`docforge.web.engine` is the bridge); the engine imports nothing from here.
"""
