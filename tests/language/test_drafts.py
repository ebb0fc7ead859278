"""The draft store on its own: bounds, expiry, and what it takes to apply a draft."""

from __future__ import annotations

from typing import Any

from custom_components.stream_workflows.language.drafts import DraftStore

PROBLEM = [{"path": "steps[0].action", "message": "unknown action"}]


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _doc(n: int) -> dict[str, Any]:
    return {"id": f"w{n}", "name": f"W{n}", "steps": []}


def test_the_oldest_drafts_go_first_beyond_the_bound() -> None:
    clock = Clock()
    store = DraftStore(max_drafts=3, ttl=60, now=clock)
    ids = []
    for n in range(5):
        clock.now += 1
        ids.append(store.add(_doc(n), [], workflow_id=f"w{n}").draft_id)
    assert [d.draft_id for d in store.drafts()] == ids[:1:-1]  # newest first, 3 kept
    assert store.get(ids[0]) is None
    assert store.get(ids[1]) is None
    assert len(set(ids)) == 5


def test_a_draft_expires_ttl_seconds_after_its_last_change() -> None:
    clock = Clock()
    store = DraftStore(ttl=60, now=clock)
    draft = store.add(_doc(1), [], workflow_id="w1")
    clock.now += 60
    assert store.get(draft.draft_id) is draft  # exactly at the limit: still kept
    clock.now += 0.5
    assert store.get(draft.draft_id) is None
    assert store.drafts() == []
    _, problems = store.ready_to_apply(draft.draft_id, confirmed=True)
    assert problems == [{"path": "draft_id", "message": "no such draft (it may have expired)"}]


def test_only_a_confirmed_valid_draft_applies_and_only_once() -> None:
    clock = Clock()
    store = DraftStore(now=clock)
    good = store.add(_doc(1), [], workflow_id="w1")
    bad = store.add(_doc(2), PROBLEM, workflow_id="w2")

    assert store.ready_to_apply(good.draft_id, confirmed=False)[0] is None
    assert store.ready_to_apply(good.draft_id, confirmed=False)[1][0]["path"] == "confirmed"
    assert store.ready_to_apply(bad.draft_id, confirmed=True) == (None, PROBLEM)
    assert store.ready_to_apply("draft_nope", confirmed=True)[1][0]["path"] == "draft_id"

    ready, problems = store.ready_to_apply(good.draft_id, confirmed=True)
    assert ready is good
    assert problems == []
    clock.now += 5
    version = store.mark_applied(good, {"id": "w1", "name": "before"})
    assert good.applied_at == version.replaced_at == clock.now
    assert good.summary()["applied"] is True
    again, problems = store.ready_to_apply(good.draft_id, confirmed=True)
    assert again is None
    assert problems == [{"path": "draft_id", "message": "this draft was saved already"}]


def test_previous_versions_are_bounded_and_newest_first() -> None:
    store = DraftStore()
    for n in range(20):
        draft = store.add(_doc(1), [], workflow_id="w1")
        store.mark_applied(draft, {"id": "w1", "version": n})
    versions = store.previous_versions("w1")
    assert len(versions) == 16
    assert [v.document["version"] for v in versions[:2]] == [19, 18]  # type: ignore[index]
    assert store.previous_versions("other") == []


def test_a_summary_lists_no_definition_and_a_full_draft_does() -> None:
    store = DraftStore()
    draft = store.add(_doc(1), PROBLEM, workflow_id="w1", origin="ai_task", description="g")
    summary = draft.summary()
    assert "definition" not in summary
    assert summary["valid"] is False
    assert summary["origin"] == "ai_task"
    assert draft.as_dict()["definition"] == _doc(1)
    assert store.discard(draft.draft_id) is True
    assert store.discard(draft.draft_id) is False
