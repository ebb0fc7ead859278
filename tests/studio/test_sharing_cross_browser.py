"""Save as template, and a workflow shared from one Home Assistant to another, in headless
Chromium against two real `hass` processes and a real headless OBS.

- Home Assistant A (no OBS; `input_boolean.desk_lamp`) has the file workflow `break_time`
  (OBS scene "Pause Screen", the desk lamp, a wait). On its page, "Save as template": the
  dialog lists its values, the scene and the lamp ticked, the scene renamed; the template
  appears in the gallery as "yours", its scene field is free text (no OBS connected).
- Home Assistant B (`input_boolean.studio_light`, an OBS with "Starting Soon", "Main", "BRB",
  "Raid Screen") imports A's export (made over A's websocket API) in its panel: the preview
  says the lamp and the scene are not here; the lamp is remapped by typing, the scene chosen
  from B's OBS's scenes in a dropdown; imported as a copy, triggers off; rehearsed on its page
  (OBS untouched), then run: B's OBS shows "BRB" and the studio light is on.
Screenshots in tests/studio/artefacts/sharing-*.png (git-ignored), at 1280 x 800 and 390 x 844.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from local_peers.obs_headless import SCENES, HeadlessObs
from tests.adapters.obs_fixture import require_obs

from .browser_hass import DESKTOP, PHONE, eventually, logged_in_page, rest, shoot
from .panel_hass import CHROMIUM, PanelHass
from .test_sharing_browser import SHARING, open_sharing, watch_errors

pytestmark = [
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]

VIEW = "stream-workflows-panel sw-workflow-view"
DIALOG = f"{VIEW} sw-save-template"
BREAK_YAML = """\
id: break_time
name: Break time
triggers:
  - trigger: event
    event_type: break_time_go
steps:
  - id: show
    service: obs
    action: set_current_scene
    params:
      scene_name: Pause Screen
  - id: lamp
    service: homeassistant
    action: input_boolean.turn_on
    params:
      target:
        entity_id: input_boolean.desk_lamp
  - id: hold
    service: internal
    action: wait
    params:
      seconds: 1
"""
SCENE_PATH = "steps[0].params.scene_name"
LAMP_PATH = "steps[1].params.target.entity_id"
WAIT_PATH = "steps[2].params.seconds"


class SourceHass(PanelHass):
    """Home Assistant A: the break workflow as a file."""

    def write_config(self) -> None:
        super().write_config()
        (self.config_dir / "stream_workflows" / "break_time.yaml").write_text(BREAK_YAML)


class TargetHass(PanelHass):
    """Home Assistant B: other entities (a studio light, no desk lamp)."""

    def write_config(self) -> None:
        super().write_config()
        path = self.config_dir / "configuration.yaml"
        text = path.read_text()
        lamp = "  desk_lamp:\n    name: Desk lamp\n"
        assert lamp in text, "the bridge's configuration changed: update TargetHass"
        path.write_text(text.replace(lamp, "  studio_light:\n    name: Studio light\n"))


def _sockets() -> None:
    import pytest_socket  # type: ignore[import-untyped]

    pytest_socket.enable_socket()  # module set-up runs under the first test's socket guard


def _started[T: PanelHass](proc: T) -> Iterator[T]:
    try:
        proc.start()
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def hass_a(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SourceHass]:
    _sockets()
    yield from _started(SourceHass(tmp_path_factory.mktemp("share_a") / "config", steps=2))


@pytest.fixture(scope="module")
def obs_b(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HeadlessObs]:
    require_obs()
    _sockets()
    obs = HeadlessObs(tmp_path_factory.mktemp("share_obs"))
    obs.start()
    try:
        yield obs
    finally:
        obs.stop()


@pytest.fixture(scope="module")
def hass_b(tmp_path_factory: pytest.TempPathFactory, obs_b: HeadlessObs) -> Iterator[TargetHass]:
    _sockets()
    yield from _started(TargetHass(tmp_path_factory.mktemp("share_b") / "config", steps=2))


async def connect_obs(proc: PanelHass, obs: HeadlessObs) -> None:
    """Add B's OBS connection through the config flow, as a person does."""
    flow = await rest(
        proc, "POST", "/api/config/config_entries/flow", {"handler": "stream_workflows"}
    )
    path = f"/api/config/config_entries/flow/{flow['flow_id']}"
    if flow["type"] == "menu":
        flow = await rest(proc, "POST", path, {"next_step_id": "obs"})
    done = await rest(
        proc, "POST", path, {"host": "127.0.0.1", "port": obs.port, "password": obs.password}
    )
    assert done["type"] == "create_entry", done

    async def connected() -> bool:
        answer = await proc.command({"type": "stream_workflows/obs_scenes"})
        return bool(answer["connected"])

    await eventually(connected, what="B's OBS connection")


async def test_save_a_workflow_as_a_template_in_the_panel(hass_a: SourceHass) -> None:
    proc = hass_a
    async with logged_in_page(proc, viewport=DESKTOP, dark=False) as page:
        errors = watch_errors(page)
        await page.goto(f"{proc.url}/stream-workflows/break_time")
        await page.locator(f"{VIEW} #save-template").click()
        dialog = page.locator(DIALOG)
        rows = dialog.locator("#values li[data-row]")
        await rows.first.wait_for()
        assert await rows.count() == 3
        scene = dialog.locator("li", has=page.locator(f"[aria-label='Make {SCENE_PATH} an input']"))
        # scenes and entities are ticked at first, the wait is not
        assert await dialog.locator(f"[aria-label='Make {SCENE_PATH} an input']").is_checked()
        assert await dialog.locator(f"[aria-label='Make {LAMP_PATH} an input']").is_checked()
        assert not await dialog.locator(f"[aria-label='Make {WAIT_PATH} an input']").is_checked()
        assert await scene.locator("select").input_value() == "obs_scene"
        assert "Pause Screen" in await scene.inner_text()
        await dialog.locator(f"[aria-label='Input name for {SCENE_PATH}']").fill("break_scene")
        await dialog.locator(f"[aria-label='Label for {SCENE_PATH}']").fill("Break scene")
        await dialog.locator(f"[aria-label='Make {WAIT_PATH} an input']").check()
        await dialog.locator("[name='template-name']").fill("Break for streams")
        await shoot(page, "sharing-desktop-save-template")

        # a bad input name: said, nothing saved, what was typed stays
        await dialog.locator(f"[aria-label='Input name for {WAIT_PATH}']").fill("2bad")
        await dialog.locator("#save").click()
        assert "'2bad' is not an input name" in await dialog.locator("#error").inner_text()
        await dialog.locator(f"[aria-label='Input name for {WAIT_PATH}']").fill("pause")
        await dialog.locator("#save").click()
        saved = dialog.locator("#saved")
        await saved.wait_for()
        assert "Break for streams" in await saved.inner_text()
        assert "3 inputs" in await saved.inner_text()
        await shoot(page, "sharing-desktop-save-template-saved")

        await dialog.locator("#open-templates").click()
        card = page.locator(f"{SHARING} .tpl[data-template='break_for_streams']")
        await card.wait_for(timeout=30_000)
        assert "yours" in await card.inner_text()
        await card.click()
        field = page.locator(f"{SHARING} #form input[data-input='break_scene']")
        await field.wait_for()
        assert await field.input_value() == "Pause Screen"  # no OBS here: free text
        assert "no OBS connected" in await page.locator(f"{SHARING} #form").inner_text()
        await shoot(page, "sharing-desktop-user-template-form")
        await page.locator(f"{SHARING} #form [name='workflow_id']").fill("break_again")
        await page.locator(f"{SHARING} #create").click()
        await page.wait_for_url("**/stream-workflows/break_again", timeout=30_000)
        assert errors == []

    async with logged_in_page(proc, viewport=PHONE, dark=True) as page:
        errors = watch_errors(page)
        await page.goto(f"{proc.url}/stream-workflows/break_time")
        await page.locator(f"{VIEW} #save-template").click()
        await page.locator(f"{DIALOG} #values li[data-row]").first.wait_for()
        await shoot(page, "sharing-phone-save-template")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page scrolls sideways ({width} px)"
        await page.locator(f"{DIALOG} #close").click()
        await page.locator(DIALOG).wait_for(state="detached")
        assert errors == []


async def test_export_from_one_home_assistant_import_into_another_and_run(
    hass_a: SourceHass, hass_b: TargetHass, obs_b: HeadlessObs
) -> None:
    await connect_obs(hass_b, obs_b)
    exported = await hass_a.command(
        {"type": "stream_workflows/export", "workflow_ids": ["break_time"], "name": "Break"}
    )
    share = exported["share"]
    proc = hass_b
    async with logged_in_page(proc, viewport=DESKTOP, dark=False) as page:
        errors = watch_errors(page)
        # a template's OBS scene input: B's OBS's scenes in a dropdown
        await open_sharing(page, proc)
        await page.locator(f"{SHARING} .tpl[data-template='be_right_back']").click()
        scene_field = page.locator(f"{SHARING} #form select[data-input='brb_scene']")
        await scene_field.wait_for()
        options = await scene_field.locator("option").all_inner_texts()
        assert [o for o in options if o in SCENES] == list(SCENES)
        await shoot(page, "sharing-desktop-scene-dropdown")

        await page.locator(f"{SHARING} [data-tab='import']").click()
        await page.locator(f"{SHARING} #source").fill(share)
        await page.locator(f"{SHARING} #preview").click()
        item = page.locator(f"{SHARING} .item[data-item='break_time']")
        await item.wait_for()
        missing = await item.locator(".missing").inner_text()
        assert "input_boolean.desk_lamp" in missing
        assert "Pause Screen" in missing
        lamp = page.locator(
            f"{SHARING} [data-remap='entities'][data-old='input_boolean.desk_lamp']"
        )
        await lamp.fill("input_boolean.studio_light")
        scene = page.locator(f"{SHARING} select[data-remap='obs_scenes'][data-old='Pause Screen']")
        offered = await scene.locator("option").all_inner_texts()
        assert offered == ["keep Pause Screen", *SCENES]
        await scene.select_option("BRB")
        await page.locator(f"{SHARING} #remap").scroll_into_view_if_needed()
        await shoot(page, "sharing-desktop-remap")
        await page.locator(f"{SHARING} #do-import").click()
        await page.locator(f"{SHARING} #triggers-off").wait_for()

        got = await proc.command({"type": "stream_workflows/get", "workflow_id": "break_time"})
        definition = got["definition"]
        assert definition["triggers"][0]["enabled"] is False
        assert definition["steps"][0]["params"]["scene_name"] == "BRB"
        assert definition["steps"][1]["params"]["target"]["entity_id"] == (
            "input_boolean.studio_light"
        )

        before = (await proc.command({"type": "stream_workflows/obs_scenes"}))["current_scene"]
        assert before != "BRB"
        await page.locator(f"{SHARING} #imported [data-open='break_time']").click()
        await page.wait_for_url("**/stream-workflows/break_time", timeout=30_000)
        await page.locator(f"{VIEW} #rehearse").click()
        await page.locator(f"{VIEW} [data-sw='state'][data-status='succeeded']").wait_for(
            timeout=60_000
        )
        now = (await proc.command({"type": "stream_workflows/obs_scenes"}))["current_scene"]
        assert now == before  # a rehearsal touches nothing
        light = await rest(proc, "GET", "/api/states/input_boolean.studio_light")
        assert light["state"] == "off"

        await page.locator(f"{VIEW} #run").click()

        async def ran() -> bool:
            scenes = await proc.command({"type": "stream_workflows/obs_scenes"})
            state = await rest(proc, "GET", "/api/states/input_boolean.studio_light")
            return scenes["current_scene"] == "BRB" and state["state"] == "on"

        await eventually(ran, within=60, what="the imported workflow's run on B's OBS")
        runs = await proc.command({"type": "stream_workflows/runs", "workflow_id": "break_time"})
        statuses = [run["status"] for run in runs["runs"]]
        assert "succeeded" in statuses
        assert errors == []

    async with logged_in_page(proc, viewport=PHONE, dark=True) as page:
        errors = watch_errors(page)
        await open_sharing(page, proc)
        await page.locator(f"{SHARING} .tpl[data-template='be_right_back']").click()
        await page.locator(f"{SHARING} #form select[data-input='brb_scene']").wait_for()
        await shoot(page, "sharing-phone-scene-dropdown")
        await page.locator(f"{SHARING} [data-tab='import']").click()
        await page.locator(f"{SHARING} #source").fill(share)
        await page.locator(f"{SHARING} #preview").click()
        await page.locator(f"{SHARING} select[data-remap='obs_scenes']").wait_for()
        await page.locator(f"{SHARING} #remap").scroll_into_view_if_needed()
        await shoot(page, "sharing-phone-remap")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page scrolls sideways ({width} px)"
        assert errors == []
