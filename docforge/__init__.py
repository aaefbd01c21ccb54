"""docforge: village self-governance charters, conventions and agreements from validated data."""

__version__ = "0.1.0"
