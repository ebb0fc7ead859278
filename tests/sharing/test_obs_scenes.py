"""An OBS scene is chosen from the connected OBS's scenes: the `obs_scenes` command and the
import preview ask a real headless OBS (tests/adapters/obs_fixture.py); without OBS the
field stays free text (scenes: null) and every scene used can still be remapped."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stream_workflows.const import DOMAIN
from custom_components.stream_workflows.runtime import get_coordinator
from custom_components.stream_workflows.sharing.share import encode_share, share_document
from local_peers.obs_headless import SCENES, HeadlessObs
from tests.adapters.obs_fixture import obs_server, rtmp_url  # noqa: F401
from tests.studio.ws_client import ok

from .test_authoring import BREAK

SHARE = encode_share(share_document([BREAK])[0])


async def add_obs(hass: HomeAssistant, obs: HeadlessObs) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="OBS",
        data={"connection": "obs", "host": "127.0.0.1", "port": obs.port, "password": obs.password},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_without_obs_scenes_are_free_text_and_still_remappable(
    hass: HomeAssistant, ws_send: Any
) -> None:
    answer = ok(await ws_send("obs_scenes"))
    assert answer["connected"] is False
    assert answer["scenes"] is None
    preview = ok(await ws_send("import_preview", share=SHARE))["preview"]
    assert preview["local"]["obs_scenes"] is None
    assert preview["known_here"]["obs_scenes"] is False
    assert preview["missing"]["obs_scenes"] == []  # not known: nothing is said missing
    assert preview["used"]["obs_scenes"] == ["Pause Screen"]  # ...but it can be remapped


@pytest.mark.usefixtures("socket_enabled")
async def test_the_connected_obs_offers_its_scenes_to_forms_and_remaps(
    hass: HomeAssistant,
    obs_server: HeadlessObs,  # noqa: F811
    ws_send: Any,
) -> None:
    entry = await add_obs(hass, obs_server)
    answer = ok(await ws_send("obs_scenes"))
    assert answer["connected"] is True
    assert answer["scenes"] == list(SCENES)  # in OBS's own order
    assert answer["current_scene"] in SCENES

    preview = ok(await ws_send("import_preview", share=SHARE))["preview"]
    assert preview["local"]["obs_scenes"] == list(SCENES)
    assert preview["known_here"]["obs_scenes"] is True
    assert preview["missing"]["obs_scenes"] == ["Pause Screen"]
    assert preview["workflows"][0]["missing"]["obs_scenes"] == ["Pause Screen"]

    imported = ok(
        await ws_send("import", share=SHARE, remap={"obs_scenes": {"Pause Screen": "BRB"}})
    )
    (workflow_id,) = imported["workflow_ids"]
    document = get_coordinator(hass).stored_documents[workflow_id]
    assert document["steps"][0]["params"]["scene_name"] == "BRB"
    assert document["triggers"][0]["enabled"] is False

    # OBS gone: the field is free text again, said why
    assert await hass.config_entries.async_unload(entry.entry_id)
    answer = ok(await ws_send("obs_scenes"))
    assert answer["scenes"] is None
    assert answer["error"] == "no OBS connection"
