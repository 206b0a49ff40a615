import pytest

from server.privacy import Kind, Redactor, find_pii, parse_kinds
from server.privacy.checksums import aba_routing_valid, iban_valid, luhn_valid

REDACT = Redactor()


def kinds(text: str) -> list[Kind]:
    return [f.kind for f in find_pii(text)]


@pytest.mark.parametrize("number", ["4242424242424242", "4111 1111 1111 1111", "3782-822463-10005", "5555555555554444"])
def test_card_numbers_passing_luhn_are_redacted_keeping_the_last_four(number: str) -> None:
    text = f"my card is {number}, thanks"
    assert luhn_valid("".join(ch for ch in number if ch.isdigit()))
    assert REDACT.redact(text) == f"my card is [CARD •••• {number[-4:]}], thanks"


@pytest.mark.parametrize("number", ["4242424242424241", "4111 1111 1111 1112", "1234 5678 9012 3456"])
def test_digit_runs_failing_luhn_are_not_cards(number: str) -> None:
    assert kinds(f"the number is {number}") == []


@pytest.mark.parametrize(
    "text",
    [
        "tracking number 4111111111111111",  # passes Luhn, but the customer calls it a tracking id
        "order #4242424242424242",
        "my order number is 88412 and it cost $1,234.56",
        "order 1234567890 placed on 12/05/2024 at 10:30",
        "it was delivered 2024-03-14, reference 7730 2291 0041 5518",
        "I waited 45 minutes, 3 times, for a $79.99 refund",
        "30 each way, 2 way adapter",
        "I have my policy number as 1580245870",
        "It says item 123-45-6789 is out of stock",
    ],
)
def test_order_numbers_amounts_dates_and_times_are_untouched(text: str) -> None:
    assert REDACT.redact(text) == text


def test_iban_needs_its_country_length_and_mod_97() -> None:
    assert iban_valid("GB82 WEST 1234 5698 7654 32")
    assert not iban_valid("GB82 WEST 1234 5698 7654 33")
    assert not iban_valid("GB82 WEST 1234 5698 7654")
    assert REDACT.redact("IBAN GB82 WEST 1234 5698 7654 32 please") == "IBAN [IBAN] please"
    assert REDACT.redact("DE89370400440532013000") == "[IBAN]"
    assert REDACT.redact("GB82 WEST 1234 5698 7654 33") == "GB82 WEST 1234 5698 7654 33"


def test_ssn_excludes_the_ranges_never_issued() -> None:
    assert REDACT.redact("ssn 123-45-6789") == "ssn [SSN]"
    for invalid in ("000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567", "123-45-0000"):
        assert kinds(invalid) == [], invalid
    assert REDACT.redact("my social security number is 123 45 6789") == "my social security number is [SSN]"


def test_uk_national_insurance_number() -> None:
    assert REDACT.redact("NI number AB 12 34 56 C") == "NI number [NI NUMBER]"
    assert kinds("QQ123456C") == []  # Q is never a first letter
    assert kinds("GB123456A") == []  # an excluded prefix


def test_bank_accounts_only_when_labelled() -> None:
    assert REDACT.redact("account number 12345678") == "account number [BANK ACCOUNT]"
    assert REDACT.redact("routing 021000021, checking 000123456789") == "routing [BANK ACCOUNT], checking [BANK ACCOUNT]"
    assert aba_routing_valid("021000021") and not aba_routing_valid("021000022")
    assert kinds("routing 021000022") == []
    assert kinds("my account id is EPFRFWVQE7") == []
    assert REDACT.redact("the bank number would be 9160287191") == "the bank number would be [BANK ACCOUNT]"


def test_emails_phones_and_addresses() -> None:
    assert REDACT.redact("mail a.b+x@example.co.uk") == "mail [EMAIL]"
    assert REDACT.redact("call (555) 123-4567 or +44 20 7946 0958") == "call [PHONE] or [PHONE]"
    assert REDACT.redact("call me on 2025550143") == "call me on [PHONE]"
    assert REDACT.redact("send it to 9600 Brushwick Dr, Springfield, IL 62704 today") == "send it to [ADDRESS] today"
    assert REDACT.redact("221B Baker Street, London NW1 6XE") == "[ADDRESS]"
    assert REDACT.redact("3374 2nd Ave is where I live") == "[ADDRESS] is where I live"
    assert REDACT.redact("my cell is 07911 123456") == "my cell is [PHONE]"


def test_kinds_are_chosen_by_setting() -> None:
    only_cards = Redactor.from_setting("card")
    assert only_cards.redact("4242424242424242 a@b.com") == "[CARD •••• 4242] a@b.com"
    assert not Redactor.from_setting("off")
    assert parse_kinds("all") == frozenset(Kind)
    with pytest.raises(ValueError, match="unknown kind"):
        parse_kinds("cards")


def test_an_unknown_kind_in_a_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from server.config import load_settings
    from server.errors import InvalidArgumentError

    monkeypatch.setenv("HANDOFF_REDACT_STORAGE", "cards,email")
    with pytest.raises(InvalidArgumentError, match="unknown kind.*'cards'.*bank_account"):
        load_settings()
    monkeypatch.setenv("HANDOFF_REDACT_STORAGE", "card,email")
    assert load_settings().redact_storage == "card,email"
    assert load_settings().redact_llm == "all" and load_settings().redact_logs == "all"
