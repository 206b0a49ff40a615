from __future__ import annotations

from server.analysis.facts import FactExtractor, FactType
from server.context.model import ContextPackage, Fact, Role
from tests.analysis.scripts import DELAYED_ORDER, feed


def facts_of(package: ContextPackage) -> dict[str, Fact]:
    return {f.type: f for f in package.facts}


def test_order_number_and_email_are_extracted_with_their_turn() -> None:
    facts = facts_of(feed(DELAYED_ORDER))
    assert facts["order_id"].value == "88213457"
    assert facts["order_id"].turn_ids == [4]
    assert facts["email"].value == "priya.natarajan@example.org"


def test_repeat_contact_is_a_fact() -> None:
    facts = facts_of(feed(DELAYED_ORDER))
    assert facts["contact_attempts"].value == "third time"
    assert facts["contact_attempts"].turn_ids == [2]


def test_facts_come_only_from_customer_turns() -> None:
    package = feed(DELAYED_ORDER)
    assert all(f.source == "customer" for f in package.facts)
    customer_turns = {t.id for t in package.transcript if t.role == Role.CUSTOMER}
    assert all(set(f.turn_ids) <= customer_turns for f in package.facts)
    assert "1Z999AA10123456784" not in {f.value for f in package.facts}  # the bot said it, not the customer


def test_bare_zip_code_is_typed_by_the_bot_question() -> None:
    package = feed([(Role.BOT, "May I have your zip code please?"), (Role.CUSTOMER, "30412")])
    assert [(f.type, f.value) for f in package.facts] == [("zip_code", "30412")]


def test_bare_full_name_is_typed_by_the_bot_question() -> None:
    package = feed([(Role.BOT, "Could I get your full name?"), (Role.CUSTOMER, "Marta Okafor")])
    assert [(f.type, f.value) for f in package.facts] == [("customer_name", "Marta Okafor")]


def test_name_before_an_id_in_one_answer_is_split_out() -> None:
    package = feed([
        (Role.BOT, "What is your full name or account ID?"),
        (Role.CUSTOMER, "Marta Okafor, and the id is QX7TT2LMNB"),
    ])
    assert {(f.type, f.value) for f in package.facts} == {("customer_name", "Marta Okafor"), ("account_id", "QX7TT2LMNB")}


def test_bare_number_without_a_question_is_not_a_zip_code() -> None:
    package = feed([(Role.BOT, "Anything else?"), (Role.CUSTOMER, "30412")])
    assert all(f.type != "zip_code" for f in package.facts)


def test_formatted_phone_number_is_kept_as_said() -> None:
    package = feed([(Role.CUSTOMER, "you can reach me at (415) 555-0132 any time")])
    assert [(f.type, f.value) for f in package.facts] == [("phone", "(415) 555-0132")]


def test_ten_digit_order_id_is_not_taken_for_a_phone_number() -> None:
    package = feed([(Role.BOT, "What's the order ID?"), (Role.CUSTOMER, "5550132871")])
    assert [(f.type, f.value) for f in package.facts] == [("order_id", "5550132871")]


def test_street_city_state_and_zip_are_separate_facts() -> None:
    package = feed([(Role.CUSTOMER, "Ship it to 221 Maple Street Springfield, IL 62704 please")])
    facts = {f.type: f.value for f in package.facts}
    assert facts["street_address"] == "221 Maple Street"
    assert facts["city"] == "Springfield"
    assert facts["state"] == "IL"
    assert facts["zip_code"] == "62704"


def test_amount_is_normalised_to_currency_and_whole_units() -> None:
    package = feed([(Role.BOT, "How much did you pay?"), (Role.CUSTOMER, "$45.00 I think, plus 12 bucks shipping")])
    assert [f.value for f in package.facts if f.type == "amount"] == ["$45", "$12"]


def test_username_product_membership_and_payment_method_are_found() -> None:
    package = feed([
        (Role.CUSTOMER, "my username is lena_k77 and I'm a platinum member"),
        (Role.CUSTOMER, "the leather boots were paid by debit card"),
    ])
    facts = {f.type: f.value for f in package.facts}
    assert facts["username"] == "lena_k77"
    assert facts["membership_level"] == "platinum"
    assert facts["product"] == "leather boots"
    assert facts["payment_method"] == "debit card"


def test_repeated_fact_is_merged_with_all_its_turns() -> None:
    package = feed([
        (Role.CUSTOMER, "my email is Sam.Ortiz@example.com"),
        (Role.BOT, "Thanks, could you confirm the email?"),
        (Role.CUSTOMER, "sam.ortiz@example.com"),
    ])
    assert [(f.value, f.turn_ids) for f in package.facts] == [("Sam.Ortiz@example.com", [1, 3])]


def test_account_lookup_fixes_the_spelling_of_the_customer_name() -> None:
    package = feed([
        (Role.BOT, "May I have your full name?"),
        (Role.CUSTOMER, "i'm dana whitfielde"),
        (Role.SYSTEM, "Account has been pulled up for Dana Whitfield."),
    ])
    assert [(f.type, f.value, f.turn_ids) for f in package.facts] == [("customer_name", "Dana Whitfield", [2])]


def test_account_lookup_never_adds_a_name_the_customer_did_not_say() -> None:
    package = feed([(Role.CUSTOMER, "hello"), (Role.SYSTEM, "Account has been pulled up for Dana Whitfield.")])
    assert package.facts == []


def test_deployment_fact_types_are_extracted_by_pattern_and_keyword() -> None:
    extra = [FactType("policy_number", pattern=r"\bPOL-(\d{6})\b"), FactType("plan", keywords=["family plan", "solo plan"])]
    package = feed([(Role.CUSTOMER, "It's POL-123456 on the Family Plan")], [FactExtractor(extra)])
    assert {(f.type, f.value) for f in package.facts} == {("policy_number", "123456"), ("plan", "Family Plan")}


def test_odd_text_yields_no_facts_and_does_not_raise() -> None:
    package = feed([(Role.CUSTOMER, ""), (Role.CUSTOMER, "???"), (Role.CUSTOMER, "lol ok 👍")])
    assert package.facts == []
