"""When to hand the conversation to a person, and when not to.

``decide(package, policy)`` weighs the signals in the context package (a request
for a person, authority the bot lacks, loops, frustration and its trend, issue
type and complexity) against the holds (nearly resolved, frustration with a
delay, escalation off, no agent free) and returns an ``Escalation``: now, soon
(prepare the brief) or continue, with its reasons, confidence and the agent's
focus. ``EscalationStep`` runs it as the pipeline's last step and calls back
when the decision first leaves "continue", so the brief is ready before the
transfer. Weights and thresholds are per deployment (``EscalationPolicy``).
"""

from server.escalation.decide import decide
from server.escalation.explain import describe, unavailable_message
from server.escalation.policy import EscalationPolicy, load_policy
from server.escalation.step import EscalationStep, needs_brief

__all__ = [
    "EscalationPolicy",
    "EscalationStep",
    "decide",
    "describe",
    "load_policy",
    "needs_brief",
    "unavailable_message",
]
