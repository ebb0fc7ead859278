"""Templates and sharing in the Studio panel: headless Chromium against a real `hass` process.

Desktop (1280 x 800): the gallery, the be_right_back template's form, Create (the panel opens
the new workflow; its sensor exists over REST), a rehearsal through `stream_workflows.run`
succeeds; Export (copy to the clipboard, the YAML download); Import of the share string as a
copy under a new id (its triggers-off notice; the copy exists over REST). Phone (390 x 844):
the gallery, a form with an entity field and a required input refused when empty, the import
preview. Screenshots in tests/studio/artefacts/sharing-*.png (git-ignored).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .browser_hass import DESKTOP, PHONE, eventually, logged_in_page, rest, shoot, workflow_sensor
from .panel_hass import CHROMIUM, PanelHass

pytestmark = [
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]

SHARING = "stream-workflows-panel sw-sharing"


@pytest.fixture(scope="module")
def sharing_hass(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PanelHass]:
    import pytest_socket  # type: ignore[import-untyped]

    pytest_socket.enable_socket()
    proc = PanelHass(tmp_path_factory.mktemp("sharing") / "config", steps=2)
    try:
        proc.start()
        yield proc
    finally:
        proc.stop()


def watch_errors(page: Any) -> list[str]:
    """The page's uncaught errors raised in the Studio's own files (with their stacks)."""
    errors: list[str] = []

    def keep(err: Any) -> None:
        text = f"{err} {getattr(err, 'stack', '')}"
        if "stream_workflows_static" in text:
            errors.append(text)

    page.on("pageerror", keep)
    return errors


async def open_sharing(page: Any, proc: PanelHass, tab: str = "templates") -> None:
    await page.goto(f"{proc.url}/stream-workflows/templates-sharing")
    await page.locator(f"{SHARING} .tabs").wait_for(timeout=30_000)
    if tab != "templates":
        await page.locator(f"{SHARING} [data-tab='{tab}']").click()


async def test_template_to_workflow_rehearsal_export_and_import(
    sharing_hass: PanelHass,
) -> None:
    proc = sharing_hass
    async with logged_in_page(proc, viewport=DESKTOP, dark=False) as page:
        errors = watch_errors(page)
        await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        # the panel's list offers the way in
        await page.goto(f"{proc.url}/stream-workflows")
        await page.locator("stream-workflows-panel #sharing").click()
        await page.locator(f"{SHARING} .tpl[data-template='be_right_back']").wait_for()
        assert await page.locator(f"{SHARING} .tpl").count() >= 10
        await shoot(page, "sharing-desktop-gallery")

        await page.locator(f"{SHARING} .tpl[data-template='be_right_back']").click()
        form = page.locator(f"{SHARING} #form")
        assert await form.locator("[data-input='seconds']").input_value() == "300"
        await form.locator("[data-input='seconds']").fill("10")
        await form.locator("[data-input='reason']").fill("tea")
        await form.locator("[name='workflow_id']").fill("brb_test")
        await shoot(page, "sharing-desktop-form")
        await page.locator(f"{SHARING} #create").click()
        await page.wait_for_url("**/stream-workflows/brb_test", timeout=30_000)
        await page.locator("stream-workflows-panel sw-workflow-view").wait_for()

        sensor = await eventually(
            lambda: workflow_sensor(proc, "brb_test"), what="the new workflow's sensor"
        )
        assert sensor["entity_id"].startswith("sensor.")
        answer = await rest(
            proc,
            "POST",
            "/api/services/stream_workflows/run?return_response",
            {"workflow_id": "brb_test", "rehearsal": True, "wait": True},
        )
        (run,) = answer["service_response"]["runs"]
        assert run["status"] == "succeeded", run
        assert run["rehearsal"] is True
        scenes = [c for c in run["calls"] if "scene" in json.dumps(c)]
        assert scenes, run["calls"]

        # Export: copy and download
        await open_sharing(page, proc, "export")
        await page.locator(f"{SHARING} input[name='pick'][value='brb_test']").check()
        await page.locator(f"{SHARING} #meta [name='name']").fill("My BRB")
        await page.locator(f"{SHARING} #export").click()
        share_box = page.locator(f"{SHARING} #share")
        await share_box.wait_for()
        share = await share_box.input_value()
        assert share.startswith("sw1:")
        await page.locator(f"{SHARING} #copy").click()
        assert await page.evaluate("navigator.clipboard.readText()") == share
        assert await page.locator(f"{SHARING} #copy").inner_text() == "Copied ✓"
        async with page.expect_download() as download_info:
            await page.locator(f"{SHARING} #download").click()
        download = await download_info.value
        assert download.suggested_filename == "My_BRB.yaml"
        yaml_text = Path(await download.path()).read_text()
        assert "id: brb_test" in yaml_text
        assert "schema_version" in yaml_text
        await shoot(page, "sharing-desktop-export")

        # Import the string as a copy with a new id
        await page.locator(f"{SHARING} [data-tab='import']").click()
        await page.locator(f"{SHARING} #source").fill(share)
        await page.locator(f"{SHARING} #preview").click()
        item = page.locator(f"{SHARING} .item[data-item='brb_test']")
        await item.wait_for()
        assert "exists here" in await item.inner_text()
        new_id = item.locator("[data-new-id='brb_test']")
        assert await new_id.input_value() == "brb_test_2"
        await new_id.fill("brb_copy")
        await shoot(page, "sharing-desktop-preview")
        await page.locator(f"{SHARING} #do-import").click()
        await page.locator(f"{SHARING} #triggers-off").wait_for()
        assert "brb_copy" in await page.locator(f"{SHARING} #imported").inner_text()
        await shoot(page, "sharing-desktop-imported")
        copy = await eventually(lambda: workflow_sensor(proc, "brb_copy"), what="the copy")
        assert copy["attributes"]["workflow_id"] == "brb_copy"

        # a bad string: a readable error, nothing imported
        await page.locator(f"{SHARING} #source").fill(share[:-10])
        await page.locator(f"{SHARING} #preview").click()
        error = page.locator(f"{SHARING} #error")
        await error.wait_for()
        assert "cut short" in await error.inner_text()
        assert errors == []


async def test_phone_layout_form_and_preview(sharing_hass: PanelHass) -> None:
    proc = sharing_hass
    async with logged_in_page(proc, viewport=PHONE, dark=True) as page:
        errors = watch_errors(page)
        await open_sharing(page, proc)
        await page.locator(f"{SHARING} .tpl[data-template='alert_scene_light']").wait_for()
        await shoot(page, "sharing-phone-gallery")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page scrolls sideways ({width} px)"

        await page.locator(f"{SHARING} .tpl[data-template='alert_scene_light']").click()
        light = page.locator(f"{SHARING} #form [data-input='light']")
        assert await light.get_attribute("list") == "dl-light"
        await page.locator(f"{SHARING} #create").click()
        error = page.locator(f"{SHARING} #error")
        await error.wait_for()
        assert "Light to flash" in await error.inner_text()
        await shoot(page, "sharing-phone-form")
        await light.fill("light.studio")
        await page.locator(f"{SHARING} #form [name='workflow_id']").fill("phone_alert")
        await page.locator(f"{SHARING} #create").click()
        await page.wait_for_url("**/stream-workflows/phone_alert", timeout=30_000)

        exported = await rest(
            proc,
            "POST",
            "/api/services/stream_workflows/export?return_response",
            {"workflow_id": "phone_alert"},
        )
        await open_sharing(page, proc, "export")
        await page.locator(f"{SHARING} input[name='pick'][value='phone_alert']").check()
        await page.locator(f"{SHARING} #export").click()
        await page.locator(f"{SHARING} #share").wait_for()
        await page.locator(f"{SHARING} #export-result").scroll_into_view_if_needed()
        await shoot(page, "sharing-phone-export")
        await page.locator(f"{SHARING} [data-tab='import']").click()
        await page.locator(f"{SHARING} #source").fill(exported["service_response"]["yaml"])
        await page.locator(f"{SHARING} #preview").click()
        await page.locator(f"{SHARING} .item[data-item='phone_alert']").wait_for()
        assert "light.studio" in await page.locator(f"{SHARING} #remap").inner_text()
        await shoot(page, "sharing-phone-preview")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page scrolls sideways ({width} px)"
        assert errors == []
