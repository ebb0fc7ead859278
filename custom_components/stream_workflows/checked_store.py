"""A `Store` whose failed writes reach the caller.

Home Assistant's `Store.async_save` logs a write that fails (a value its JSON encoder refuses,
a full disk) and returns as if it had saved. A workflow saved through `save_workflow` must not
be reported "saved" then; the runs' checkpoints want to know too.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping, Sequence
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store

# Home Assistant 2025.10 and later serialise on the event loop unless told the data is safe
# to read from another thread; a store whose data nobody changes once given (fresh snapshots,
# copy on write) passes this to `Store` to say so.
OFF_LOOP: dict[str, Any] = (
    {"serialize_in_event_loop": False}
    if "serialize_in_event_loop" in inspect.signature(Store.__init__).parameters
    else {}
)


class PlainJSONEncoder(json.JSONEncoder):
    """Python's own JSON encoder: slower than orjson, but it writes what orjson refuses to
    (nesting past 255 levels), so a document stored by an older version can still be
    written back when another one is saved or deleted."""


class StoreWriteError(HomeAssistantError):
    """Writing a store failed; nothing was saved."""


class CheckedStore[T: Mapping[str, Any] | Sequence[Any]](Store[T]):
    """`async_save_checked` raises `StoreWriteError` when the write failed."""

    def __init__(
        self,
        hass: HomeAssistant,
        version: int,
        key: str,
        *,
        encoder: type[json.JSONEncoder] | None = None,
    ) -> None:
        super().__init__(hass, version, key, encoder=encoder, **OFF_LOOP)
        self._failure: BaseException | None = None

    async def _async_write_data(self, *args: Any) -> None:
        # The signature differs between Home Assistant versions; whatever it is, remember
        # the failure for `async_save_checked` and let Store log it as it always does.
        try:
            await super()._async_write_data(*args)
        except Exception as err:
            self._failure = err
            raise

    async def async_save_checked(self, data: T) -> None:
        """Save `data`; `StoreWriteError` if it could not be written."""
        self._failure = None
        try:
            await self.async_save(data)
        except Exception as err:  # a test's in-memory store raises what it cannot encode
            raise StoreWriteError(f"{type(err).__name__}: {err}") from err
        failure = self._take_failure()
        if failure is not None:
            raise StoreWriteError(f"{type(failure).__name__}: {failure}") from failure

    def _take_failure(self) -> BaseException | None:
        failure, self._failure = self._failure, None
        return failure
