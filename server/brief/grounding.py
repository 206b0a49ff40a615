"""Grounding: every claim in LLM prose must be supported by the conversation.

A claim is a number, amount, date or time, email, identifier or capitalised name
in a sentence of the model's output; each sentence's content words also count as
one claim, unsupported when too many of them are new to the conversation. A sentence whose claims are not all found
in the supporting text (the transcript plus the structured context the model
was given) is dropped. A sentence promising something (a refund, a credit, a
replacement, an amount ...) must find it in the commitments the bot made: a
customer asking for a refund, or saying one was promised, is not the bot
promising one. A sentence in which "we" promise or did something, or that says
something was promised or approved, must be made of the bot side's words. A
sentence that talks to a model ("ignore previous instructions", "SYSTEM:") or
repeats a run of the prompt's own words is dropped too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from server.analysis.injection import addresses_model
from server.brief.model import Grounding
from server.brief.text import split_sentences

_CLAIM_PATTERNS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b"),
    "amount": re.compile(r"[$£€]\s?\d[\d,]*(?:\.\d+)?|\b\d[\d,]*(?:\.\d+)?\s?(?:dollars|euros|pounds|usd|eur|gbp)\b", re.I),
    "identifier": re.compile(r"\b(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9][A-Za-z0-9-]{3,}\b"),
    "number": re.compile(r"\b\d+(?:[.,:/]\d+)*\b"),
    "date": re.compile(
        r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b"
        r"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|yesterday)\b",
        re.I,
    ),
    "name": re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s[A-Z][a-z]+)*\b"),
}
_PROMISE = re.compile(
    r"\b(?:will|'ll|going to|promise[sd]?|promising|guarantee[sd]?|ensure|make sure|approve[sd]?|granted|entitled|owed|honou?r|"
    r"on its way|being processed|"
    r"(?:has|have) been (?:sent|issued|applied|credited|refunded|added|waived|approved|arranged|processed))\b",
    re.I,
)
# "We will ...", "I've refunded ...", "as promised", "... was approved": the bot's side speaking or spoken for.
_BOT_VOICE = re.compile(
    r"\b(?:i|we)(?:'ll| will| shall| am going to| are going to|'ve| have| promise| guarantee)\b"
    r"|\b(?:promised|guaranteed|approved?|granted|entitled|owed|as promised|on its way|honou?r)\b",
    re.I,
)
ECHO_WORDS = 6  # a run of this many of the prompt's own words, absent from the conversation, is an echo
_PROMISE_OBJECT = re.compile(
    r"\b(?:refund|reimburse\w*|credit|compensat\w*|discount|voucher|coupon|replacement|replace|"
    r"free|waive\w*|upgrade|cancel\w*|return label|priority|expedite\w*)\b",
    re.I,
)
# Capitalised words that are not claims: pronouns, greetings, roles, the weekday-free calendar.
_COMMON = frozenset(
    "i i'm i've i'll hi hello thanks thank sorry please customer agent bot team we you they "
    "the a an it this that our your my let okay ok yes no".split()
)


# Words prose about any handoff may use without the conversation saying them.
_GENERIC = frozenset(
    """customer agent bot colleague team member person human transfer transferring passing connect connecting
    everything anything told discussed said explain again repeat need needs needed want wants asked asks ask
    issue problem help resolve resolving sort sorted pick exactly where things were been trying since
    see can will would could should have has had with from about that this there their they them your you
    the and for are was were not but all now here what when which who just also already still able take
    further look looking into sure right away thanks thank sorry wait waiting minute minutes moment shortly
    says said states reports requests updated informed suggests advised contacted chat conversation""".split()
)
MAX_NOVEL_SHARE = 0.4
_VOICE_WORDS = frozenset(
    "promise promised promises guarantee guaranteed approve approved granted entitled owed shall going honour honor "
    "commitment commitments".split()
)


def novel_share(sentence: str, support_words: frozenset[str]) -> float:
    """Share of a sentence's content words that neither the conversation nor generic prose has."""
    lowered = sentence.lower()
    content = [w for w in re.findall(r"[a-z]{4,}", lowered) if w not in _GENERIC]
    content += _foreign_words(lowered)  # prose in another script is not grounded by an English transcript
    if not content:
        return 0.0
    novel = [w for w in content if w not in support_words and w.rstrip("sed") not in support_words and w[:5] not in support_words]
    return len(novel) / len(content)


def _foreign_words(text: str) -> list[str]:
    """Runs of letters with a non-ASCII letter in them (another script, or accented words)."""
    return [w for w in re.findall(r"[^\W\d_]+", text) if not w.isascii()]


@dataclass(frozen=True)
class Claim:
    kind: str
    value: str


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w@.$£€:/-]+", " ", text.lower()).split())


def extract_claims(sentence: str) -> list[Claim]:
    """The checkable claims of one sentence, most specific kind first, no overlaps."""
    claims: list[Claim] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _CLAIM_PATTERNS.items():
        for match in pattern.finditer(sentence):
            span = match.span()
            if any(span[0] < end and start < span[1] for start, end in taken):
                continue
            if kind == "name" and match.group().lower() in _COMMON:
                continue
            taken.append(span)
            claims.append(Claim(kind, match.group()))
    return claims


def _supported(claim: Claim, support: str, digits: str) -> bool:
    value = normalise(claim.value)
    if claim.kind in ("number", "amount"):
        number = re.sub(r"\D", "", claim.value)
        return bool(number) and number in digits
    return value in support


def amounts_in(text: str) -> frozenset[str]:
    """Every number in the text as a value ("$1,000.00" and "1000" are both "1000.00")."""
    values = (m.replace(",", "") for m in re.findall(r"\d[\d,]*(?:\.\d+)?", text))
    return frozenset(f"{float(v):.2f}" for v in values if v.replace(".", "", 1).isdigit())


def _breaks_promise(sentence: str, committed: str, committed_amounts: frozenset[str]) -> bool:
    """A promise whose object or amount is not among the bot's commitments."""
    if not _PROMISE.search(sentence):
        return False
    promised = {m.group().lower() for m in _PROMISE_OBJECT.finditer(sentence)}
    amounts = amounts_in(" ".join(m.group() for m in _CLAIM_PATTERNS["amount"].finditer(sentence)))
    return any(word not in committed for word in promised) or not amounts <= committed_amounts


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]{4,}", text.lower())


def shingles(text: str, n: int = ECHO_WORDS) -> frozenset[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return frozenset(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))


@dataclass
class Grounder:
    """Checks sentences against one conversation's supporting text."""

    support: str
    bot_side: str
    support_words: frozenset[str] = frozenset()
    committed: str = ""  # the commitments the bot made, normalised
    secret: frozenset[str] = frozenset()  # runs of the prompt's words the conversation does not have
    committed_amounts: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls, all_text: Iterable[str], bot_text: Iterable[str], commitments: Iterable[str] = (), prompt: str = ""
    ) -> Grounder:
        support = normalise(" ".join(all_text))
        found = set(re.findall(r"[a-z]+", support))
        stems = {w.rstrip("sed") for w in found} | {w[:5] for w in found if len(w) >= 5}
        foreign = set(_foreign_words(support))  # a transcript in that script grounds prose in it
        secret = shingles(prompt) - shingles(support) if prompt else frozenset()
        committed = list(commitments)
        return cls(
            support, normalise(" ".join(bot_text)), frozenset(found | stems | foreign), normalise(" ".join(committed)), secret,
            amounts_in(" ".join(committed)),
        )

    def _speaks_for_bot(self, sentence: str) -> bool:
        """'We will / we've / was promised' followed by words the bot's side never used."""
        voice = _BOT_VOICE.search(sentence)
        if voice is None:
            return False
        before = sentence[: voice.start()].split()[-3:]  # what was granted: "ACCESS GRANTED", "your refund is on its way"
        said = _words(" ".join(before)) + _words(sentence[voice.start() :])
        return any(w not in self.bot_side and w not in _GENERIC for w in said if w not in _VOICE_WORDS)

    def _rejects(self, sentence: str) -> bool:
        return (
            addresses_model(sentence)
            or _breaks_promise(sentence, self.committed, self.committed_amounts)
            or self._speaks_for_bot(sentence)
            or bool(self.secret & shingles(sentence))
        )

    def ground(self, text: str, grounding: Grounding) -> str:
        """The text without its unsupported sentences; ``grounding`` counts what went."""
        digits = re.sub(r"\D", " ", self.support)
        digits = " ".join(digits.split()) + " " + re.sub(r"\D", "", self.support)
        kept: list[str] = []
        for sentence in split_sentences(text):
            claims = extract_claims(sentence)
            grounding.claims_checked += len(claims) + 1 + bool(_PROMISE.search(sentence))
            unsupported = [c for c in claims if not _supported(c, self.support, digits)]
            invented = novel_share(sentence, self.support_words) > MAX_NOVEL_SHARE
            if unsupported or invented or self._rejects(sentence):
                grounding.claims_dropped += max(len(unsupported), 1)
                grounding.dropped.append(sentence)
                continue
            kept.append(sentence)
        return " ".join(kept)
