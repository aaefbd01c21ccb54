"""The national layer, written as ordinary plugins: base texts, national law, default rules."""
