"""Mermaid flowcharts of the three shapes."""

from __future__ import annotations

from custom_components.stream_workflows.engine.graph import mermaid

from .helpers import build

NOOP = {"service": "internal", "action": "noop"}


def test_state_machine_graph() -> None:
    definition = build(
        {
            "id": "sm",
            "name": "Machine",
            "initial_state": "a",
            "states": [
                {
                    "name": "a",
                    "action": NOOP,
                    "transitions": {
                        "success": [
                            {"if": {"path": "n", "gt": 3}, "target": "b"},
                            {"target": "c-d"},
                        ],
                        "cancel": "c-d",
                    },
                },
                {
                    "name": "b",
                    "parallel": [
                        {"id": "x", **NOOP},
                        {"steps": [{"id": "y", **NOOP}, {"id": "z", **NOOP}]},
                    ],
                    "transitions": {"success": "c-d"},
                },
                {"name": "c-d"},
            ],
        }
    )
    assert mermaid(definition).splitlines() == [
        "flowchart TD",
        "    %% Machine (state_machine)",
        "    start(( )) --> n_a",
        '    n_a["a<br/>internal.noop"]',
        "    n_a -->|success if n gt 3| n_b",
        "    n_a -->|success| n_c_d",
        "    n_a -->|cancel| n_c_d",
        '    n_b{{"b (parallel)"}}',
        "    n_b_join(( ))",
        '    n_x["x<br/>internal.noop"]',
        "    n_b --> n_x",
        "    n_x --> n_b_join",
        '    n_y["y<br/>internal.noop"]',
        "    n_b --> n_y",
        '    n_z["z<br/>internal.noop"]',
        "    n_y --> n_z",
        "    n_z --> n_b_join",
        "    n_b_join -->|success| n_c_d",
        '    n_c_d(["c-d"])',
    ]


def test_sequence_graph() -> None:
    definition = build(
        {
            "id": "seq",
            "steps": [
                {"id": "a", **NOOP},
                {"id": "p", "parallel": [{"id": "x", **NOOP}, {"id": "y", **NOOP}]},
                {"id": "b", **NOOP, "if": {"path": "who", "equals": 'say "hi"'}},
            ],
        }
    )
    lines = mermaid(definition).splitlines()
    assert lines[:4] == [
        "flowchart TD",
        "    %% Seq (sequence)",
        '    n_a["a<br/>internal.noop"]',
        "    start(( )) --> n_a",
    ]
    assert "    n_a --> n_p" in lines
    assert "    n_p_join -->|if who equals 'say #quot;hi#quot;'| n_b" in lines
    assert lines[-1] == "    n_b --> finish(((end)))"


def test_dag_graph() -> None:
    definition = build(
        {
            "id": "dag",
            "nodes": [
                {"id": "a", **NOOP},
                {"id": "b", **NOOP},
                {"id": "c", **NOOP, "depends_on": ["a", "b"]},
            ],
        }
    )
    lines = mermaid(definition).splitlines()
    assert "    start(( )) --> n_a" in lines
    assert "    start(( )) --> n_b" in lines
    assert "    n_a --> n_c" in lines
    assert "    n_b --> n_c" in lines
    assert not any("start(( )) --> n_c" in line for line in lines)
