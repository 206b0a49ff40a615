from __future__ import annotations

import json
from pathlib import Path

from server.knowledge.ingest import ingest
from server.knowledge.store import KnowledgeBase


def _ids(kb: KnowledgeBase) -> set[str]:
    return set(kb.collection.get(include=[])["ids"])


def test_ingesting_the_same_files_twice_changes_nothing(kb: KnowledgeBase, docs: Path) -> None:
    first = ingest(kb, [docs])
    ids = _ids(kb)
    second = ingest(kb, [docs])
    assert first.added == len(ids) > 0
    assert (second.added, second.removed, second.unchanged) == (0, 0, len(ids))
    assert _ids(kb) == ids


def test_changed_file_replaces_its_passages(kb: KnowledgeBase, docs: Path) -> None:
    ingest(kb, [docs])
    (docs / "accounts.md").write_text("# Accounts\n\n## Username\n\nUsernames can be recovered by email.\n")
    report = ingest(kb, [docs])
    texts = kb.collection.get(where={"source": str((docs / "accounts.md").resolve())})["documents"]
    assert texts == ["Usernames can be recovered by email."]
    assert (report.added, report.removed) == (1, 1)


def test_removed_file_passages_are_deleted(kb: KnowledgeBase, docs: Path) -> None:
    ingest(kb, [docs])
    (docs / "shipping.md").unlink()
    report = ingest(kb, [docs])
    assert report.deleted_sources == [str((docs / "shipping.md").resolve())]
    assert kb.sources() == {str((docs / "accounts.md").resolve())}
    assert all("courier" not in p.text for p in kb.search("courier trace", k=5))


def test_heading_path_is_kept(kb: KnowledgeBase, docs: Path) -> None:
    ingest(kb, [docs])
    passage = kb.search("free replacement after the courier confirms a loss", k=1)[0]
    assert passage.heading_path == ("Shipping", "Lost parcels", "Replacement")
    assert passage.title == "Shipping"
    assert passage.metadata["category"] == "delivery"


def test_html_headings_become_the_heading_path(kb: KnowledgeBase, tmp_path: Path) -> None:
    page = tmp_path / "faq.html"
    page.write_text(
        "<html><head><title>FAQ</title><script>x()</script></head><body><h1>Help</h1>"
        "<h2>Gift cards</h2><p>Gift cards never expire.</p></body></html>"
    )
    ingest(kb, [page])
    passage = kb.search("do gift cards expire", k=1)[0]
    assert (passage.title, passage.heading_path, passage.text) == ("FAQ", ("Help", "Gift cards"), "Gift cards never expire.")


def test_guideline_subflows_get_the_ontology_names(kb: KnowledgeBase, tmp_path: Path) -> None:
    guidelines = {
        "Account Access": {
            "description": "logging in",
            "subflows": {
                "Reset Two-Factor Auth": {"instructions": ["The customer lost the phone for codes."], "actions": []},
                "Recover Password": {"instructions": ["The customer forgot the password."], "actions": []},
            },
        }
    }
    ontology = {"intents": {"subflows": {"account_access": ["recover_password", "reset_2fa"]}}}
    (tmp_path / "guidelines.json").write_text(json.dumps(guidelines))
    (tmp_path / "ontology.json").write_text(json.dumps(ontology))
    report = ingest(kb, [tmp_path / "guidelines.json"])
    passage = kb.search("lost my phone, I cannot get the login code", k=1)[0]
    assert report.added == 2
    assert passage.heading_path == ("Account Access", "Reset Two-Factor Auth")
    assert (passage.metadata["flow"], passage.metadata["subflow"]) == ("account_access", "reset_2fa")
