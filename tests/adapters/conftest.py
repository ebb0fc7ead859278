"""Adapter test fixtures."""

from __future__ import annotations

from .obs_fixture import (  # noqa: F401  (real headless OBS fixtures)
    obs_connection,
    obs_server,
    private_obs,
    rtmp_server,
    rtmp_url,
)
