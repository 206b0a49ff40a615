"""Knowledge passages ingested for a tenant reach only that tenant; passages without one are shared."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server._proto.handoff.v1 import handoff_pb2 as pb
from server.analysis.engine import build_engine
from server.knowledge.ingest import ingest
from tests.api.conftest import Running, start_server, test_settings
from tests.security.conftest import ALPHA, BETA, api_keys, create

SHARED_KB = Path(__file__).resolve().parents[2] / "kb"
VOUCHERS = """# {brand} gift vouchers

## Redeeming a voucher

{brand} gift vouchers are redeemed at checkout: enter the sixteen digit voucher code in the
payment step. A voucher that was already redeemed cannot be used twice.
"""


@pytest.fixture
async def with_kb(tmp_path: Path, embedder) -> AsyncIterator[Running]:  # type: ignore[no-untyped-def]
    settings = test_settings(tmp_path, embeddings=True, api_keys=api_keys())
    instance = await start_server(settings, build_engine(settings, embedder=embedder))
    kb = instance.runtime.knowledge
    assert kb is not None
    for tenant, brand in (("alpha", "Acme"), ("beta", "Bolt")):
        folder = tmp_path / f"docs-{tenant}"
        folder.mkdir()
        (folder / "vouchers.md").write_text(VOUCHERS.format(brand=brand))
        assert ingest(kb, [folder], tenant=tenant).added > 0
    ingest(kb, [SHARED_KB])  # shared by every tenant
    yield instance
    await instance.stop()


async def search(s: Running, metadata: tuple, query: str = "", conversation_id: str = "") -> list[str]:
    response = await s.knowledge.SearchKnowledge(
        pb.SearchKnowledgeRequest(query=query, conversation_id=conversation_id, top_k=50), metadata=metadata)
    return [" > ".join(p.heading_path) for p in response.passages]


async def test_a_search_finds_the_callers_passages_and_the_shared_ones_only(with_kb: Running) -> None:
    alpha = await search(with_kb, ALPHA, "how do I redeem a gift voucher code at checkout?")
    beta = await search(with_kb, BETA, "how do I redeem a gift voucher code at checkout?")
    assert any("Acme" in h for h in alpha) and not any("Bolt" in h for h in alpha)
    assert any("Bolt" in h for h in beta) and not any("Acme" in h for h in beta)
    for found in (alpha, beta):  # the shared knowledge base is everyone's
        assert any("deliver" in h.lower() for h in found)


async def test_suggestions_from_a_conversation_come_from_its_tenant(with_kb: Running) -> None:
    cid = await create(with_kb, BETA)
    await with_kb.conversations.AppendTurn(
        pb.AppendTurnRequest(conversation_id=cid, request_id="t1", role=pb.CUSTOMER,
                             text="My gift voucher code is rejected at checkout, how do I redeem it?"),
        metadata=BETA,
    )
    found = await search(with_kb, BETA, conversation_id=cid)
    assert any("Bolt" in h for h in found) and not any("Acme" in h for h in found)


async def test_the_same_file_ingested_for_two_tenants_is_kept_for_both(with_kb: Running, tmp_path: Path) -> None:
    kb = with_kb.runtime.knowledge
    assert kb is not None
    again = ingest(kb, [tmp_path / "docs-alpha"], tenant="alpha")
    assert (again.added, again.removed, again.unchanged > 0) == (0, 0, True)
    shared_file = tmp_path / "docs-alpha" / "vouchers.md"
    for_beta = ingest(kb, [shared_file], tenant="beta")
    assert for_beta.added > 0
    assert ingest(kb, [shared_file], tenant="alpha").unchanged == again.unchanged  # alpha's copy untouched
    assert any("Acme" in h for h in await search(with_kb, BETA, "redeem an Acme gift voucher"))
