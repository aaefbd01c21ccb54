"""A plugin whose ``docforge_jurisdictions`` raises."""

from docforge.hookspecs import hookimpl


@hookimpl
def docforge_jurisdictions():
    raise RuntimeError("cannot read my place list")
