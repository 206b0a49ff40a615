"""The deployment's taxonomy: a file of its own, or ABCD's folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.analysis.taxonomy import load_taxonomy
from server.errors import InvalidArgumentError

ABCD = Path(__file__).resolve().parents[3] / "shared" / "data" / "abcd"


def test_abcd_folder_gives_55_subflows_under_10_flows_described_by_guidelines() -> None:
    taxonomy = load_taxonomy(ABCD)
    ontology = json.loads((ABCD / "ontology.json").read_text())["intents"]["subflows"]
    assert [(label.group, label.name) for label in taxonomy.labels] == [
        (flow, subflow) for flow, subflows in ontology.items() for subflow in subflows
    ]
    assert len(taxonomy.labels) == 55 and len({label.group for label in taxonomy.labels}) == 10
    by_name = {label.name: label for label in taxonomy.labels}
    assert by_name["reset_2fa"].title == "Account Access: Reset Two-Factor Auth"
    assert by_name["slow_speed"].title == "Troubleshoot Site: Website Too Slow"
    assert "[Pull up Account]" in by_name["refund_initiate"].description
    assert by_name["recover_username"].required_actions == ["pull-up-account", "verify-identity"]
    assert "pull-up-account" in taxonomy.action_names


def test_default_taxonomy_loads_with_beyond_bot_labels() -> None:
    taxonomy = load_taxonomy(None)
    assert any(label.beyond_bot for label in taxonomy.labels)
    assert taxonomy.label("delivery_delay") is not None


def test_a_taxonomy_file_of_ones_own_loads(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"labels": [{"name": "claim", "description": "An insurance claim", "group": "ins"}]}))
    assert [label.name for label in load_taxonomy(path).labels] == ["claim"]


@pytest.mark.parametrize(
    ("content", "mentions"),
    [
        ("{not json", "cannot read"),
        (json.dumps({"labels": []}), "labels"),
        (json.dumps({"labels": [{"name": "x"}]}), "description"),
        (json.dumps({"labels": [{"name": "x", "description": "d", "complexity": "huge"}]}), "complexity"),
        (json.dumps({"labels": [{"name": "x", "description": "d"}, {"name": "x", "description": "e"}]}), "unique"),
    ],
)
def test_a_malformed_taxonomy_is_refused_naming_the_problem(tmp_path: Path, content: str, mentions: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InvalidArgumentError, match=mentions):
        load_taxonomy(path)


def test_fact_types_the_taxonomy_declares_are_extracted(tmp_path: Path) -> None:
    import asyncio

    from server.analysis.engine import build_engine
    from server.config import Settings
    from server.context.model import ContextPackage, Role, Turn

    path = tmp_path / "insurer.json"
    path.write_text(json.dumps({
        "labels": [{"name": "claim", "description": "An insurance claim"}],
        "facts": [{"name": "policy_number", "pattern": r"\b(POL-\d{6})\b"}, {"name": "vehicle", "keywords": ["Toyota"]}],
    }))
    engine = build_engine(Settings(taxonomy=path, embeddings=False))
    package = ContextPackage(conversation_id="c")
    turn = Turn(id=1, role=Role.CUSTOMER, text="My policy is POL-123456 and my Toyota was hit")
    asyncio.run(engine.analyse(package, [turn]))
    assert {("policy_number", "POL-123456"), ("vehicle", "Toyota")} <= {(f.type, f.value) for f in package.facts}


def test_a_declared_fact_pattern_that_does_not_compile_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"labels": [{"name": "x", "description": "d"}], "facts": [{"name": "f", "pattern": "("}]}))
    with pytest.raises(InvalidArgumentError, match="compile"):
        load_taxonomy(path)
