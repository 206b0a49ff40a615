"""The context model: a turn's memo (Turn.once) is a cache, never part of the turn."""

from __future__ import annotations

import copy
import pickle

import pytest
from pydantic import ValidationError

from server.api.convert import package_to_pb, turn_to_pb
from server.context.model import BotAction, ContextPackage, Fact, Role, Turn


class Counted:
    """A pure function of the text that records what it was asked."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, text: str, suffix: str = "") -> str:
        self.texts.append(text)
        return text.upper() + suffix


def turn(text: str = "Can I talk to a real person?") -> Turn:
    return Turn(id=3, role=Role.CUSTOMER, text=text, request_id="r3", created_at=1.5, action=BotAction(name="x"))


def test_once_computes_once_per_text_and_arguments() -> None:
    t, upper = turn("hello"), Counted()
    got = [t.once(upper), t.once(upper), t.once(upper, "!"), t.once(upper, "!")]
    assert got == ["HELLO", "HELLO", "HELLO!", "HELLO!"]
    assert upper.texts == ["hello", "hello"]  # once without, once with the argument


def test_a_copy_with_other_text_computes_afresh_and_leaves_the_original_alone() -> None:
    raw, upper = turn("card 4242 4242 4242 4242"), Counted()
    assert raw.once(upper) == "CARD 4242 4242 4242 4242"
    redacted = raw.model_copy(update={"text": "card [CARD]"})
    assert redacted.once(upper) == "CARD [CARD]"
    assert raw.once(upper) == "CARD 4242 4242 4242 4242"
    assert upper.texts == ["card 4242 4242 4242 4242", "card [CARD]"]


def test_copies_start_without_the_memo_even_with_the_same_text() -> None:
    original, upper = turn(), Counted()
    original.once(upper)
    for made in (original.model_copy(), original.model_copy(deep=True), copy.copy(original), copy.deepcopy(original)):
        made.once(upper)
    assert len(upper.texts) == 5


def test_a_turn_cannot_change_in_place_so_its_memo_stays_true() -> None:
    t, upper = turn("before"), Counted()
    t.once(upper)
    with pytest.raises(ValidationError, match="frozen"):
        t.text = "after"
    assert t.once(upper) == "BEFORE" and upper.texts == ["before"]


def test_the_memo_is_invisible_to_equality_serialisation_and_proto() -> None:
    used, fresh = turn(), turn()
    used.once(Counted())
    assert used == fresh
    assert used.model_dump() == fresh.model_dump()
    assert used.model_dump_json() == fresh.model_dump_json()
    assert turn_to_pb(used) == turn_to_pb(fresh)
    assert repr(used) == repr(fresh)
    unpickled = pickle.loads(pickle.dumps(used))
    assert unpickled == fresh and not hasattr(unpickled, "_memo")
    package = ContextPackage(conversation_id="c", transcript=[used])
    assert ContextPackage.model_validate_json(package.model_dump_json()) == package
    assert package_to_pb(package) == package_to_pb(ContextPackage(conversation_id="c", transcript=[fresh]))


def test_instances_share_one_field_set_that_assignments_and_copies_leave_alone() -> None:
    # one set per class instead of one per instance (728 bytes for a turn): it must stay the
    # set of every field, whatever an instance is given, assigned or copied with
    bare = Turn(id=1, role=Role.BOT, text="hi", request_id="r1", created_at=1.0)
    full = turn()
    every = set(Turn.model_fields)
    assert bare.model_fields_set is full.model_fields_set and bare.model_fields_set == every
    fact = Fact(type="email", value="a@example.com", turn_ids=[1])
    fact.value = "changed"  # turns are frozen; most models are not
    assert fact.model_fields_set == set(Fact.model_fields)
    copied = full.model_copy(update={"text": "other"})
    loaded = Turn.model_validate_json(full.model_dump_json())
    assert loaded.model_fields_set is full.model_fields_set and full.model_fields_set == every
    assert (fact.value, full.text, copied.text) == ("changed", "Can I talk to a real person?", "other")
    assert loaded == full and copied != full
    assert package_to_pb(ContextPackage(conversation_id="c", transcript=[full])).transcript[0] == turn_to_pb(full)
