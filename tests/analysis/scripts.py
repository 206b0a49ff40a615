"""Synthetic conversations for the analyser tests, and a driver that feeds them turn by turn."""

from __future__ import annotations

from collections.abc import Sequence

from server.analysis.rules import TurnAnalyser, build_turn_analysers
from server.context.model import ContextPackage, Role, Turn

Script = Sequence[tuple[Role, str]]

DELAYED_ORDER: list[tuple[Role, str]] = [
    (Role.BOT, "Hi, thanks for reaching out. How can I help you today?"),
    (Role.CUSTOMER, "This is the third time I'm contacting you about my order. It still hasn't arrived!"),
    (Role.BOT, "I'm sorry about that. Could I have your order number and the email on the account?"),
    (Role.CUSTOMER, "Order number is 88213457, email is priya.natarajan@example.org"),
    (Role.SYSTEM, "Order 88213457 has been looked up."),
    (Role.BOT, "Thanks. Your order shipped on Monday with tracking number 1Z999AA10123456784. "
               "It is currently held at the regional depot."),
    (Role.BOT, "I've issued a $20 credit to your account for the trouble. "
               "You'll get an update within 24 hours."),
    (Role.CUSTOMER, "Ok. Also I can't log in to check it."),
    (Role.BOT, "I've sent a password reset link to your email."),
    (Role.CUSTOMER, "It never arrived. This is ridiculous."),
]


def feed(script: Script, analysers: Sequence[TurnAnalyser] | None = None) -> ContextPackage:
    """Runs a scripted conversation through the analysers, one turn at a time."""
    analysers = build_turn_analysers() if analysers is None else analysers
    package = ContextPackage(conversation_id="test")
    for index, (role, text) in enumerate(script, start=1):
        turn = Turn(id=index, role=role, text=text)
        package.transcript.append(turn)
        for analyser in analysers:
            analyser(package, turn)
    return package
