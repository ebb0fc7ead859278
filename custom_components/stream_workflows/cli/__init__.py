"""`stream-workflows`: validate, rehearse (simulate) and draw workflow files.

The command stands beside the engine, not inside it: it builds the engine with every
adapter's catalog (`adapters.default_registry`), so it may import both, and neither imports it.
Home Assistant never loads it.
"""

from .command import EXIT_INTERNAL, EXIT_INVALID, EXIT_OK, EXIT_OUTPUT, EXIT_USAGE, main, run

__all__ = ["EXIT_INTERNAL", "EXIT_INVALID", "EXIT_OK", "EXIT_OUTPUT", "EXIT_USAGE", "main", "run"]
