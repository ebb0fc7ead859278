"""Shared test setup.

`custom_components` is imported here, before Home Assistant starts, so that this repository's
integration wins over the test plugin's own `testing_config/custom_components`.
"""

from __future__ import annotations

import custom_components.stream_workflows  # noqa: F401  (see the module docstring)
