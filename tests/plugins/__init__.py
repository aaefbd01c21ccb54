"""Fixture plugins of the core tests: small modules written with ``@hookimpl``, registered with
``make_plugin_manager(load_entrypoints=False, extra=(...))`` (see ``conftest.resolver``)."""
