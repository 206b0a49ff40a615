from __future__ import annotations

from server.analysis.commitments import find_commitments
from server.analysis.statements import find_statements
from server.context.model import Role
from tests.analysis.scripts import DELAYED_ORDER, feed


def test_bot_statement_of_fact_is_kept_with_its_turn() -> None:
    package = feed(DELAYED_ORDER)
    texts = {s.text: s.turn_ids for s in package.bot_statements}
    assert texts["Your order shipped on Monday with tracking number 1Z999AA10123456784."] == [6]


def test_greetings_questions_and_pleasantries_are_not_statements() -> None:
    text = "Hi, thanks for reaching out. How can I help you today? I'm sorry to hear that. Could I have your order number?"
    assert find_statements(text) == []


def test_customer_turns_give_no_statements() -> None:
    package = feed([(Role.CUSTOMER, "My order was shipped on Monday and it is lost.")])
    assert package.bot_statements == []


def test_repeated_statement_is_merged() -> None:
    package = feed([(Role.BOT, "Your refund was processed on May 2."), (Role.BOT, "Your refund was processed on May 2.")])
    assert [(s.text, s.turn_ids) for s in package.bot_statements] == [("Your refund was processed on May 2.", [1, 2])]


def test_credit_promise_carries_its_amount() -> None:
    package = feed(DELAYED_ORDER)
    credit = next(c for c in package.commitments if c.amount)
    assert credit.amount == "$20"
    assert credit.action == "issued a $20 credit to your account"
    assert credit.turn_ids == [7]


def test_update_promise_carries_its_deadline() -> None:
    package = feed(DELAYED_ORDER)
    update = next(c for c in package.commitments if c.deadline)
    assert update.deadline == "within 24 hours"
    assert update.action == "get an update"


def test_promise_to_send_a_link_is_a_commitment() -> None:
    [(_, action, amount, deadline)] = find_commitments("I will send you a link to reset it by tomorrow.")
    assert (action, amount, deadline) == ("send you a link to reset it", None, "by tomorrow")


def test_asking_for_information_is_not_a_commitment() -> None:
    assert find_commitments("To look into this I will need your full name.") == []
    assert find_commitments("Will you be home on Friday?") == []


def test_promises_are_not_repeated_as_statements() -> None:
    package = feed(DELAYED_ORDER)
    assert all("credit" not in s.text for s in package.bot_statements)
