"""A translated `ServiceValidationError` that every caller gets as a validation error.

Home Assistant's REST API answers 400 only for `vol.Invalid` (and unknown actions); any other
exception from an action, a `ServiceValidationError` included, becomes a 500 with a traceback
in the log. Errors that depend on state (pausing what is not running, a second run of a
`single` workflow) are `ServiceValidationError`s, translated as core integrations raise them,
and also `vol.Invalid`, so that the REST API answers them with 400 and logs nothing.
"""

from __future__ import annotations

import voluptuous as vol
from homeassistant.exceptions import ServiceValidationError

from .const import DOMAIN


class WorkflowStateError(ServiceValidationError, vol.Invalid):
    """Translated (`exceptions.<key>` of strings.json); its text is the translated message."""

    def __init__(self, key: str, placeholders: dict[str, str] | None = None) -> None:
        ServiceValidationError.__init__(
            self,
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders=placeholders,
        )
        # What voluptuous reads of an Invalid; `str()` stays the translated message.
        self._path = []
        self._error_message = key
        self.error_type = None
