"""What the bot told the customer, so the agent does not repeat it.

Bot sentences that state something ("Your order shipped Monday with tracking
1Z999.", "We don't ship outside of the country.") are kept; greetings,
questions, thanks, apologies, acknowledgements and promises (those are
commitments) are not.
"""

from __future__ import annotations


from server.analysis.folded import Folded
from server.analysis.commitments import find_commitments
from server.analysis.sentences import split_sentences
from server.context.model import ContextPackage, Role, Statement, Turn

_QUESTION = Folded(
    r"\?\s*$|^(?:may|can|could|would|will|do|does|did|is|are|have|has|what|when|where|which|who|why|how)\b",
)
_PLEASANTRY = Folded(
    r"^(?:hi|hello|hey|good (?:morning|afternoon|evening)|thanks?|thank you|you're welcome|no problem|no worries|"
    r"sure|ok|okay|great|perfect|alright|understood|got it|of course|absolutely|certainly|one moment|just a moment|"
    r"i(?:'m| am) sorry|sorry|i apologi[sz]e|i understand|i see|happy to help|glad to help|let me (?:check|see|look)|"
    r"have a (?:good|great|nice)|is there anything else|anything else|welcome to)\b",
)
_CONTENT = Folded(
    r"\d|\b(?:is|are|was|were|has|have|had|isn't|aren't|wasn't|don't|doesn't|didn't|can't|cannot|won't|shipped|"
    r"delivered|arrive[sd]?|expires?|costs?|owe|due|allowed|eligible|policy|available|active|cancel+ed|refunded)\b",
)
MIN_WORDS = 4


def find_statements(text: str) -> list[str]:
    """The informative, declarative sentences of one bot message."""
    promises = {sentence for sentence, *_ in find_commitments(text)}
    return [s for s in split_sentences(text) if s not in promises and is_statement(s)]


def is_statement(sentence: str) -> bool:
    words = sentence.split()
    if len(words) < MIN_WORDS or _QUESTION.search(sentence) or _PLEASANTRY.match(sentence):
        return False
    return bool(_CONTENT.search(sentence))


class StatementTracker:
    """Per-turn analyser: adds the bot's statements of fact to ``package.bot_statements``."""

    def __call__(self, package: ContextPackage, turn: Turn) -> None:
        self.update(package, turn)

    def update(self, package: ContextPackage, turn: Turn) -> None:
        if turn.role not in (Role.BOT, Role.AGENT):
            return
        for sentence in find_statements(turn.text):
            key = " ".join(sentence.lower().split())
            known = next((s for s in package.bot_statements if " ".join(s.text.lower().split()) == key), None)
            if known is None:
                package.bot_statements.append(Statement(text=sentence, turn_ids=[turn.id]))
            elif turn.id not in known.turn_ids:
                known.turn_ids.append(turn.id)
