"""The Studio editor's form beyond states and transitions, in headless Chromium against a real
`hass` with its real web interface (issue 10's gaps):

- an unsaved draft survives another workflow being saved (the panel keeps its editor), and a
  save of the edited workflow elsewhere is told, the draft kept until the user loads the saved
  version;
- a parallel block is built in the form: branches and their steps added, reordered and
  removed, with the located problems of a block of one branch and of an empty condition path
  shown on their fields; all / any / not conditions are built in the form and saved;
- function-checked action parameters get their widgets (a number of seconds, a boolean);
- the list says when a workflow's trigger is off (imported workflows start so).

Screenshots go to tests/studio/artefacts/ (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .browser_hass import (
    DESKTOP,
    LOOKS,
    eventually,
    frontend_missing,
    logged_in_page,
    shoot,
)
from .panel_hass import PanelHass
from .test_editor_browser import open_editor, status_text

pytestmark = [
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.skipif(frontend_missing() is not None, reason=str(frontend_missing())),
]

NOOP = {"service": "internal", "action": "log", "params": {"message": "hi"}}
KEPT = {
    "id": "draft_kept",
    "name": "Draft kept",
    "description": "first",
    "steps": [{"id": "a", **NOOP}],
}
OTHER = {"id": "other_saved", "name": "Other saved", "steps": [{"id": "a", **NOOP}]}
OFF = {
    "id": "imported_off",
    "name": "Imported off",
    "trigger": {"trigger": "stream_event", "event": "raid", "enabled": False},
    "steps": [{"id": "a", **NOOP}],
}


@pytest.fixture(scope="module")
def hass_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PanelHass]:
    import pytest_socket  # type: ignore[import-untyped]

    pytest_socket.enable_socket()
    proc = PanelHass(tmp_path_factory.mktemp("editor_form") / "config", steps=3)
    try:
        proc.start()
        yield proc
    finally:
        proc.stop()


async def panel_lists(page: Any, workflow_id: str) -> bool:
    """Whether the panel's list (reloaded on each workflows-changed push) has `workflow_id`."""
    return bool(
        await page.locator("stream-workflows-panel").evaluate(
            "(p, id) => (p._workflows || []).some(w => w.workflow_id === id)", workflow_id
        )
    )


async def test_a_draft_survives_other_saves_and_a_save_elsewhere_is_told(
    hass_web: PanelHass,
) -> None:
    await hass_web.command({"type": "stream_workflows/save", "definition": KEPT})
    await hass_web.command({"type": "stream_workflows/save", "definition": OFF})
    async with logged_in_page(hass_web, viewport=DESKTOP, dark=False) as page:
        # the list: an imported workflow's trigger is off, and says so
        await page.goto(f"{hass_web.url}/stream-workflows", wait_until="domcontentloaded")
        trigger = page.locator(
            "stream-workflows-panel .row[data-id=imported_off] [data-sw=trigger]"
        )
        await trigger.wait_for(timeout=30_000)
        assert await trigger.get_attribute("data-enabled") == "false"
        assert "trigger off" in await trigger.inner_text()
        await shoot(page, "form-list-trigger-off")

        editor = await open_editor(page, hass_web.url, "draft_kept")
        await editor.evaluate("el => { el.__sw_marker = 'the same editor'; }")
        description = editor.locator("textarea[name=description]")
        await description.fill("my unsaved draft")
        await editor.locator("#status").filter(has_text="unsaved").wait_for(timeout=15_000)

        # another workflow is saved: the push reloads the list, the editor and its draft stay
        await hass_web.command({"type": "stream_workflows/save", "definition": OTHER})
        await eventually(lambda: panel_lists(page, "other_saved"), what="the list's reload")
        assert await page.locator("sw-editor").evaluate("el => el.__sw_marker") == "the same editor"
        assert await description.input_value() == "my unsaved draft"
        assert "unsaved" in await status_text(editor)
        assert await editor.locator("#conflict").count() == 0

        # the edited workflow itself is saved elsewhere: told, the draft kept
        changed = {**KEPT, "description": "changed elsewhere"}
        await hass_web.command({"type": "stream_workflows/save", "definition": changed})
        conflict = editor.locator("#conflict")
        await conflict.wait_for(timeout=15_000)
        assert "saved elsewhere" in await conflict.inner_text()
        assert await description.input_value() == "my unsaved draft"
        await shoot(page, "form-draft-conflict")
        # the user picks the saved version
        await conflict.locator("#load-saved").click()
        await eventually(
            lambda: _value_is(editor, "textarea[name=description]", "changed elsewhere"),
            what="the saved version in the form",
        )
        assert "unsaved" not in await status_text(editor)
        assert not page.sw_errors, page.sw_errors


async def _value_is(editor: Any, selector: str, value: str) -> bool:
    field = editor.locator(selector)
    return await field.count() == 1 and await field.input_value() == value


async def branch_step_ids(editor: Any, branch: int) -> list[str]:
    ids: list[str] = await editor.locator(f"fieldset.branch[data-branch='{branch}']").evaluate(
        "el => [...el.querySelectorAll(':scope > .branch-step')].map(s => s.dataset.step)"
    )
    return ids


@pytest.mark.parametrize(
    ("look", "viewport", "dark"),
    [LOOKS[1], LOOKS[2]],  # phone-dark, desktop-light
    ids=[LOOKS[1][0], LOOKS[2][0]],
)
async def test_parallel_blocks_and_compound_conditions_in_the_form(
    hass_web: PanelHass, look: str, viewport: dict[str, int], dark: bool
) -> None:
    wid = f"forked_{look.replace('-', '_')}"
    async with logged_in_page(hass_web, viewport=viewport, dark=dark) as page:
        editor = await open_editor(page, hass_web.url, None)
        await editor.locator("input[name=id]").fill(wid)
        await editor.locator("select[name=shape]").select_option("sequence")
        await editor.locator("#add-parallel").click()
        block = editor.locator("section.item[data-item=parallel]")
        await block.wait_for()
        assert await block.locator("fieldset.branch").count() == 2

        # a second step in the first branch, then the two swapped
        await block.locator("fieldset.branch[data-branch='0'] .add-branch-step").click()
        assert await branch_step_ids(editor, 0) == ["parallel_a", "parallel_step"]
        await editor.locator("button[aria-label='Move parallel_a down']").click()
        assert await branch_step_ids(editor, 0) == ["parallel_step", "parallel_a"]
        yaml_text = await editor.locator("#yaml").input_value()
        assert yaml_text.index("id: parallel_step") < yaml_text.index("id: parallel_a")

        # a block of one branch: the problem is shown on the block
        await editor.locator("button[aria-label='Remove branch 2']").click()
        problem = editor.locator('[data-problem-path="steps[1].parallel"]')
        await problem.wait_for(timeout=15_000)
        assert "two branches" in await problem.inner_text()
        assert await block.locator(".parallel > .problems .problem").count() == 1
        await block.locator(".add-branch").click()
        await problem.wait_for(state="detached", timeout=15_000)
        await editor.locator("#status").filter(has_text="Valid").wait_for(timeout=15_000)
        await shoot(page, f"form-{look}-parallel")

        # the first step runs only if all of: x, and not y
        start = editor.locator("section.item[data-item=start]")
        await start.locator("select[aria-label='Only if: kind']").select_option("all")
        empty = editor.locator('[data-problem-path="steps[0].if.all[0].path"]')
        await empty.wait_for(timeout=15_000)
        path_field = start.locator('[data-path="steps[0].if.all[0].path"]')
        assert await path_field.locator(".problem").count() == 1
        await path_field.locator("input.cond-path").fill("x")
        await empty.wait_for(state="detached", timeout=15_000)
        await start.locator(".add-condition").click()
        second = start.locator('.cond-node[data-path="steps[0].if.all[1]"]')
        await second.locator("select.cond-kind").select_option("not")
        inner = start.locator('.cond-node[data-path="steps[0].if.all[1].not"]')
        await inner.locator("input.cond-path").fill("y")
        await inner.locator("select[aria-label=Operator]").select_option("exists")
        await editor.locator("#status").filter(has_text="Valid").wait_for(timeout=15_000)
        await shoot(page, f"form-{look}-conditions")
        await editor.locator("#save").click()

        async def saved() -> dict[str, Any] | None:
            listed = await hass_web.command({"type": "stream_workflows/list"})
            if not any(w["workflow_id"] == wid for w in listed["workflows"]):
                return None
            got = await hass_web.command({"type": "stream_workflows/get", "workflow_id": wid})
            return dict(got["definition"])

        definition = await eventually(saved, what=f"{wid} saved")
        assert definition["steps"][0]["if"] == {
            "all": [{"path": "x"}, {"not": {"path": "y", "exists": True}}]
        }
        branches = definition["steps"][1]["parallel"]
        assert [s["id"] for s in branches[0]["steps"]] == ["parallel_step", "parallel_a"]
        assert len(branches) == 2
        assert not page.sw_errors, page.sw_errors


async def widget(field: Any) -> str:
    """The field's own control: `ha-selector:<selector kind>` or `input:<type>:<class>`."""
    found: str = await field.evaluate(
        """el => {
            const c = [...el.children].find(c => ['HA-SELECTOR', 'INPUT', 'SELECT', 'TEXTAREA']
                .includes(c.tagName));
            if (!c) return '';
            if (c.tagName === 'HA-SELECTOR') return 'ha-selector:' + Object.keys(c.selector)[0];
            return c.tagName.toLowerCase() + ':' + (c.type || '') + ':' + (c.className || '');
        }"""
    )
    return found


async def test_function_checked_parameters_get_their_widgets(hass_web: PanelHass) -> None:
    async with logged_in_page(hass_web, viewport=DESKTOP, dark=True) as page:
        editor = await open_editor(page, hass_web.url, None)
        start = editor.locator("section.item[data-item=start]")
        await start.locator("select[aria-label=Action]").select_option("wait")
        seconds = start.locator('[data-path="states[0].action.params.seconds"]')
        await seconds.wait_for()
        assert await seconds.get_attribute("data-kind") == "float"
        assert await widget(seconds) in ("ha-selector:number", "input:text:number-input")
        assert "seconds" in await seconds.inner_text() or " s" in await seconds.inner_text()
        await seconds.scroll_into_view_if_needed()
        await shoot(page, "form-widgets-seconds")
        await start.locator("select[aria-label=Service]").select_option("obs")
        await start.locator("select[aria-label=Action]").select_option("set_input_mute")
        muted = start.locator('[data-path="states[0].action.params.muted"]')
        await muted.wait_for()
        assert await muted.get_attribute("data-kind") == "boolean"
        await muted.scroll_into_view_if_needed()
        await shoot(page, "form-widgets")
        assert await widget(muted) in ("ha-selector:boolean", "input:checkbox:")
        # the switch shows "off" and the document says so: a required boolean is not missing
        assert "muted: false" in await editor.locator("#yaml").input_value()

        # a transition option's condition can be compound too: success goes back to start
        # if any of: not muted
        await start.locator(".add-transition button").click()
        transition = start.locator(".transition[data-event=success]")
        await transition.locator("button", has_text="+ condition").click()
        option = start.locator('[data-path="states[0].transitions.success[0].if"]')
        await option.locator("select.cond-kind").first.select_option("any")
        node = start.locator('.cond-node[data-path="states[0].transitions.success[0].if.any[0]"]')
        await node.locator("select.cond-kind").select_option("not")
        inner = start.locator('[data-path="states[0].transitions.success[0].if.any[0].not"]')
        await inner.locator("input.cond-path").fill("result.muted")
        yaml_text = await editor.locator("#yaml").input_value()
        assert "any:" in yaml_text
        assert "not:" in yaml_text
        assert "path: result.muted" in yaml_text

        async def checked() -> bool:
            return "Checking" not in await status_text(editor)

        await eventually(checked, what="the draft validated")
        assert await option.locator(".problem").count() == 0  # (the obs params are missing)
        assert await muted.locator(".problem").count() == 0  # but not the one the form shows
        await option.scroll_into_view_if_needed()
        await shoot(page, "form-transition-condition")
        assert not page.sw_errors, page.sw_errors
