"""Storage redaction on a real server: what is stored and served is redacted, order numbers stay."""

from __future__ import annotations

import json
from pathlib import Path

from server._proto.handoff.v1 import handoff_pb2 as pb
from tests.api.conftest import start_server, test_settings

CARD = "4242 4242 4242 4242"
SENTENCE = f"My order 88412 never came. Refund it to my card {CARD} or email me at ana.lima@example.com"


async def test_card_is_redacted_in_transcript_facts_and_the_sqlite_file(tmp_path: Path) -> None:
    running = await start_server(test_settings(tmp_path, redact_storage="all"))
    try:
        cid = await running.create("c-1", "cust-1")
        ack = await running.say(cid, "m-1", SENTENCE)
        assert CARD not in ack.text and "[CARD •••• 4242]" in ack.text
        await running.say(cid, "m-2", "my card number is 4242424242424242 and account number 12345678")
        package = await running.conversations.GetContextPackage(
            pb.GetContextPackageRequest(conversation_id=cid, min_turn_id=2, wait_ms=2000)
        )
        assert package.analyzed_through_turn == 2
        text = package.transcript[0].text
        assert "[CARD •••• 4242]" in text and "[EMAIL]" in text and "88412" in text
        facts = {(f.type, f.value) for f in package.facts}
        assert ("order_id", "88412") in facts
        assert ("email", "[EMAIL]") in facts
        # facts the analysers read from the raw text carry the placeholder, not the number
        assert any(v == "[CARD •••• 4242]" for _, v in facts), facts
        assert any(v == "[BANK ACCOUNT]" for _, v in facts), facts
        assert not any("4242 4242" in v or "42424242" in v or "ana.lima" in v for _, v in facts), facts
        # the same request id with the same raw text is still recognised as a retry
        again = await running.conversations.AppendTurn(
            pb.AppendTurnRequest(conversation_id=cid, request_id="m-1", role=pb.CUSTOMER, text=SENTENCE)
        )
        assert again.duplicate
        await running.conversations.IngestContext(
            pb.IngestContextRequest(
                conversation_id=cid, request_id="crm-1", source="crm",
                content=json.dumps({"card_number": CARD, "order_id": "88412"}),
            )
        )
        package = await running.conversations.GetContextPackage(pb.GetContextPackageRequest(conversation_id=cid))
        assert "[CARD •••• 4242]" in package.external_context[0].content
    finally:
        await running.stop()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("context.sqlite3*"))
    assert b"88412" in stored  # the order number is stored, so the file is the one written
    for secret in (CARD, CARD.replace(" ", ""), "ana.lima@example.com", "12345678"):
        assert secret.encode() not in stored, secret


async def test_storage_redaction_is_off_by_default(tmp_path: Path) -> None:
    running = await start_server(test_settings(tmp_path))
    try:
        cid = await running.create("c-1")
        ack = await running.say(cid, "m-1", SENTENCE)
        assert ack.text == SENTENCE
    finally:
        await running.stop()
