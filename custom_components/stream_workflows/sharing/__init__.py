"""Templates and sharing: pure Python (no Home Assistant), used by the command line and the
integration's actions alike. See `templates`, `share`, `secrets`, `migrations`, `preview`."""
