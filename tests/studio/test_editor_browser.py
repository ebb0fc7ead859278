"""The Studio's editor in headless Chromium against a real `hass` with its real web interface.

Open the panel (/stream-workflows), start a new workflow, add a state through the form, point a
transition at a state that does not exist and see the located problem on that very field, fix
it, check the YAML beside the form followed, edit the YAML and see the form follow, save; the
new workflow's entities and its own service appear (REST API, test token); save a second
version and restore the first from the version history. A file workflow opens read-only.
Each step is shot at 390 x 844 and 1280 x 800, light and dark, into tests/studio/artefacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .browser_hass import (
    LOOKS,
    eventually,
    frontend_missing,
    logged_in_page,
    rest,
    shoot,
    workflow_sensor,
)
from .panel_hass import RAID, PanelHass

pytestmark = [
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.skipif(frontend_missing() is not None, reason=str(frontend_missing())),
]

EDITOR = "sw-editor"


@pytest.fixture(scope="module")
def hass_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PanelHass]:
    import pytest_socket  # type: ignore[import-untyped]

    pytest_socket.enable_socket()
    proc = PanelHass(tmp_path_factory.mktemp("editor") / "config", steps=3, step_seconds=1.0)
    try:
        proc.start()
        yield proc
    finally:
        proc.stop()


async def open_editor(page: Any, url: str, workflow_id: str | None) -> Any:
    """The panel's editor for `workflow_id` (None: a new workflow), loaded and validated."""
    path = f"{workflow_id}/edit" if workflow_id else "new"
    await page.goto(f"{url}/stream-workflows/{path}", wait_until="domcontentloaded")
    editor = page.locator(EDITOR)
    await editor.locator("#form").wait_for(timeout=30_000)

    async def checked() -> bool:
        text = await status_text(editor)
        return bool(text) and "Checking" not in text and "Loading" not in text

    await eventually(checked, what="the editor to load and validate")
    return editor


async def sticks_below_the_toolbar(page: Any, editor: Any) -> None:
    """Scrolled down, the editor's bar sticks below the panel's toolbar (the menu and the way
    back stay in reach) and the YAML pane beside the form below the bar."""
    await page.mouse.move(200, 400)
    await page.mouse.wheel(0, 2_000)
    toolbar = page.locator("stream-workflows-panel .toolbar")
    bar = editor.locator("header.bar")

    async def stuck() -> bool:
        box = await bar.bounding_box()
        return box is not None and box["y"] < 100  # scrolled: the bar is at the top

    await eventually(stuck, what="the page scrolled so the editor's bar sticks")
    tool_box, bar_box = await toolbar.bounding_box(), await bar.bounding_box()
    assert tool_box is not None
    assert bar_box is not None
    assert tool_box["y"] >= -1, tool_box  # the toolbar is still on screen
    assert bar_box["y"] >= tool_box["y"] + tool_box["height"] - 1, (tool_box, bar_box)
    pane = editor.locator(".yaml-pane")
    if await pane.evaluate("el => getComputedStyle(el).position") == "sticky":
        pane_box = await pane.bounding_box()
        assert pane_box is not None
        assert pane_box["y"] >= bar_box["y"] + bar_box["height"] - 1, (bar_box, pane_box)


async def status_text(editor: Any) -> str:
    return str(await editor.locator("#status").inner_text())


@pytest.mark.parametrize(("look", "viewport", "dark"), LOOKS, ids=[look[0] for look in LOOKS])
async def test_edit_save_and_restore(
    hass_web: PanelHass, look: str, viewport: dict[str, int], dark: bool
) -> None:
    wid = f"studio_{look.replace('-', '_')}"
    async with logged_in_page(hass_web, viewport=viewport, dark=dark) as page:
        # The panel's list, and its "New workflow" button that opens the editor.
        await page.goto(f"{hass_web.url}/stream-workflows", wait_until="domcontentloaded")
        await page.locator("stream-workflows-panel #new").click(timeout=30_000)
        editor = page.locator(EDITOR)
        await editor.locator("#form").wait_for(timeout=30_000)
        await shoot(page, f"editor-{look}-1-new")

        await editor.locator("input[name=id]").fill(wid)
        await editor.locator("input[name=name]").fill(f"Studio {look}")
        # Add a state through the form and name it.
        await editor.locator("#add-item").click()
        items = editor.locator("section.item")
        assert await items.count() == 2
        second = items.nth(1).locator("input.item-id")
        await second.fill("finish")
        await second.press("Tab")
        await editor.locator("section.item[data-item=finish]").wait_for()

        # A transition from `start` to a state that does not exist: the problem is shown on
        # that transition's field.
        start = editor.locator("section.item[data-item=start]")
        await start.locator(".add-transition button").click()
        transition = start.locator(".transition[data-event=success]")
        await transition.locator("select.target").select_option("*other*")
        await transition.locator("input.other-target").fill("nowhere")
        problem = editor.locator('[data-problem-path="states[0].transitions.success"]')
        await problem.wait_for(timeout=15_000)
        assert "nowhere" in await problem.inner_text()
        holder = transition.locator('[data-path="states[0].transitions.success"]')
        assert await holder.locator(".problem").count() == 1
        assert "problem" in await status_text(editor)
        await shoot(page, f"editor-{look}-2-problem")
        await sticks_below_the_toolbar(page, editor)

        # Fix it: pick the new state; the problem goes and the YAML beside follows.
        await transition.locator("select.target").select_option("finish")
        await problem.wait_for(state="detached", timeout=15_000)
        await editor.locator("#status").filter(has_text="Valid").wait_for(timeout=15_000)
        yaml_text = await editor.locator("#yaml").input_value()
        assert "success: finish" in yaml_text
        assert "- name: finish" in yaml_text
        # and the other way: the YAML edited, the form follows
        await editor.locator("#yaml").fill(
            yaml_text.replace("mode: single", "mode: restart")
            + "description: Made in the Studio test\n"
        )
        assert await editor.locator("select[name=mode]").input_value() == "restart"
        assert (
            await editor.locator("textarea[name=description]").input_value()
            == "Made in the Studio test"
        )
        await editor.locator("#status").filter(has_text="Valid").wait_for(timeout=15_000)
        await shoot(page, f"editor-{look}-3-fixed")

        # Save: the workflow's entities and its own service appear.
        await editor.locator("#save").click()

        async def appeared() -> bool:
            services = await rest(hass_web, "GET", "/api/services")
            ours: dict[str, Any] = next(
                (s for s in services if s["domain"] == "stream_workflows"), {}
            )
            return wid in ours.get("services", {}) and bool(await workflow_sensor(hass_web, wid))

        await eventually(appeared, what=f"{wid}'s service and sensor")
        sensor = await workflow_sensor(hass_web, wid)
        assert sensor is not None
        assert sensor["state"] == "idle"
        states = await rest(hass_web, "GET", "/api/states")
        switches = [
            s
            for s in states
            if s["entity_id"].startswith("switch.") and s["attributes"].get("workflow_id") == wid
        ]
        assert len(switches) == 1
        await shoot(page, f"editor-{look}-4-saved")
        # Rehearse it (in its editor, wherever the panel went after the save): the path the
        # rehearsal took is shown.
        editor = await open_editor(page, hass_web.url, wid)
        await editor.locator("#rehearse").click()
        rehearsal = editor.locator("#rehearsal")
        await rehearsal.filter(has_text="succeeded").wait_for(timeout=30_000)
        assert await rehearsal.locator(".path li").all_inner_texts() == ["start", "finish"]
        await shoot(page, f"editor-{look}-5-rehearsed")

        # A second version, then restore the first from the history.
        editor = await open_editor(page, hass_web.url, wid)
        description = editor.locator("textarea[name=description]")
        assert await description.input_value() == "Made in the Studio test"
        await description.fill("The second version")
        await editor.locator("#status").filter(has_text="Valid").wait_for(timeout=15_000)
        await editor.locator("#save").click()

        async def second_saved() -> bool:
            got = await hass_web.command({"type": "stream_workflows/versions", "workflow_id": wid})
            return len(got["versions"]) == 1  # the first version, replaced by the second

        await eventually(second_saved, what="a second version")
        editor = await open_editor(page, hass_web.url, wid)
        await editor.locator("#history").click()
        dialog = editor.locator("dialog.dialog")
        await dialog.wait_for(timeout=10_000)
        assert await dialog.locator("li.version").count() == 1
        await shoot(page, f"editor-{look}-6-history")
        await dialog.locator("li.version").nth(0).locator("button").click()

        async def restored() -> bool:
            got = await hass_web.command({"type": "stream_workflows/get", "workflow_id": wid})
            return bool(got["definition"].get("description") == "Made in the Studio test")

        await eventually(restored, what="the first version restored")

        async def shown() -> bool:
            field = editor.locator("textarea[name=description]")
            if await field.count() != 1:
                return False
            return str(await field.input_value()) == "Made in the Studio test"

        # the editor shows the restored version (the panel may have made a new editor for it)
        await eventually(shown, what="the restored description in the editor")
        await shoot(page, f"editor-{look}-7-restored")
        assert not page.sw_errors, page.sw_errors


async def test_file_workflow_opens_read_only(hass_web: PanelHass) -> None:
    """A file workflow: every field disabled, and "Copy to an editable workflow" duplicates it."""
    async with logged_in_page(
        hass_web, viewport={"width": 1280, "height": 800}, dark=False
    ) as page:
        editor = await open_editor(page, hass_web.url, RAID)
        assert await editor.locator("#save").count() == 0
        assert await editor.locator("input[name=name]").is_disabled()
        assert "read-only" in await editor.locator("header.bar").inner_text()
        await shoot(page, "editor-file-read-only")
        await editor.locator("#copy").click()

        async def copied() -> list[str]:
            listed = await hass_web.command({"type": "stream_workflows/list"})
            return [
                w["workflow_id"]
                for w in listed["workflows"]
                if w["workflow_id"] != RAID and w["workflow_id"].startswith(RAID) and w["editable"]
            ]

        copies = await eventually(copied, what="an editable copy of the raid workflow")
        got = await hass_web.command({"type": "stream_workflows/get", "workflow_id": copies[0]})
        assert got["editable"] is True
        assert got["source"] == "stored"
        assert got["definition"]["states"][0]["name"] == "prepare_raid"
