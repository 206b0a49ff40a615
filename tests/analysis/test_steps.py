from __future__ import annotations

from server.analysis.steps import StepTracker
from server.context.model import BotAction, ContextPackage, Outcome, Role, Turn
from tests.analysis.scripts import DELAYED_ORDER, feed

ACTIONS = ["pull-up-account", "verify-identity", "validate-purchase", "send-link", "log-out-in", "search-faq", "search-policy"]


def test_reset_link_that_never_arrived_is_a_failed_step() -> None:
    package = feed(DELAYED_ORDER)
    step = next(s for s in package.steps if "link" in s.name)
    assert step.name == "send password reset link"
    assert step.outcome == Outcome.FAILED
    assert step.turn_ids == [9, 10]


def test_logged_actions_map_to_declared_action_names() -> None:
    package = feed([
        (Role.SYSTEM, "Customer profile has been pulled up for Ines Marlow."),
        (Role.SYSTEM, "Identity verification in progress ..."),
        (Role.SYSTEM, "Purchase validation has been completed."),
        (Role.SYSTEM, "A link will be sent."),
    ], [StepTracker(ACTIONS)])
    assert [(s.name, s.outcome) for s in package.steps] == [
        ("pull-up-account", Outcome.SUCCEEDED),
        ("verify-identity", Outcome.PENDING),
        ("validate-purchase", Outcome.SUCCEEDED),
        ("send-link", Outcome.PENDING),
    ]


def test_generic_log_line_is_named_from_the_bot_message_before_it() -> None:
    package = feed([
        (Role.BOT, "Could you try to log out of the app and log back in?"),
        (Role.SYSTEM, "Agent is looking for solutions ..."),
        (Role.CUSTOMER, "I've already done that, same problem"),
    ], [StepTracker(ACTIONS)])
    assert [(s.name, s.outcome, s.turn_ids) for s in package.steps] == [("log-out-in", Outcome.FAILED, [1, 2, 3])]


def test_structured_bot_action_becomes_a_step_with_its_outcome() -> None:
    package = ContextPackage(conversation_id="c")
    turn = Turn(id=1, role=Role.BOT, text="Done.", action=BotAction(name="Validate Purchase", outcome=Outcome.FAILED))
    package.transcript.append(turn)
    StepTracker(ACTIONS).update(package, turn)
    assert [(s.name, s.outcome) for s in package.steps] == [("validate-purchase", Outcome.FAILED)]


def test_without_declared_actions_the_step_gets_a_plain_name() -> None:
    package = feed([(Role.SYSTEM, "Identity verification in progress ...")], [StepTracker()])
    assert [s.name for s in package.steps] == ["identity verification"]


def test_same_step_logged_twice_is_one_step() -> None:
    package = feed([
        (Role.SYSTEM, "Searching the FAQ pages ..."),
        (Role.SYSTEM, "Searching the FAQ pages ..."),
        (Role.SYSTEM, "System Action: search policy"),
    ], [StepTracker(ACTIONS)])
    assert [(s.name, s.turn_ids) for s in package.steps] == [("search-faq", [1, 2]), ("search-policy", [3])]
