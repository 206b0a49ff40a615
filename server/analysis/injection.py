"""Customer text is data: spotting text that talks to the model, and making it inert in a prompt.

``addresses_model`` says whether a piece of text tries to instruct a model or
speak as another role ("ignore previous instructions", "SYSTEM:", "<|im_start|>",
"note to the AI: ..."). It is a heuristic and knows the common phrasings only;
it is used where being fooled is cheap to avoid: such a turn does not count as
the customer saying the issue is solved, and such a sentence is not the
customer's problem statement, nor part of the issue query, nor prose a model may write.

``neutralise`` is what customer and bot text goes through before it enters a
prompt: compatibility-folded (fullwidth ``＜`` becomes ``<``), invisible and
direction characters removed, Cyrillic/Greek look-alikes inside Latin words
folded, angle brackets made round (no chat-template token or delimiter survives)
and role markers ("assistant:", "[system]") bracketed so they read as words.
"""

from __future__ import annotations

import re
import unicodedata

from server.analysis.folded import Folded
from server.privacy.text_caches import text_cache

_F = re.IGNORECASE
INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
# Enough of Unicode's confusables for the look-alikes used to dodge filters.
_CONFUSABLE = str.maketrans(
    "аеорсухіјѕԁɡӏткмнАВЕКМНОРСТХІЈЅοαρτνΑΒΕΗΙΚΜΝΟΡΤΧΥΖ", "aeopcyxijsdgltkmhABEKMHOPCTXIJSoaptvABEHIKMNOPTXYZ"
)
_OVERRIDE = re.compile("[\u202a-\u202e]")  # direction overrides: text that displays other than it reads
_WORD = re.compile(r"\w+")
_LATIN = re.compile(r"[A-Za-z]")
_ROLES = r"(?:system|assistant|bot|agent|customer|user|model|human|developer|ai|sys|inst)"
ROLE_MARKER = re.compile(rf"\[\s*/?{_ROLES}\s*\]|(?<![\w-]){_ROLES}\s*:(?!//)", _F)

_ADDRESSING = [
    # "ignore / disregard / forget / override ... previous instructions"
    Folded(r"\b(?:ignor(?:e|es|ing)|disregard|forget|override|bypass|skip)\b[^.!?\n]{0,40}?\b(?:instructions?|rules?|directions?|"
           r"orders?|prompts?|guidelines?|policy|policies|above|everything|system message)\b"),
    Folded(r"\b(?:system prompt|prompt template|your (?:instructions|rules|prompt|guidelines)|hidden instructions|"
           r"initial instructions|developer mode|debug mode|unrestricted mode|jailbreak|do anything now)\b"),
    Folded(r"\b(?:new|updated|real) (?:instructions?|rules?|task|policy|system message)\s*(?::|for you\b|from\b)"
           r"|\bgive you a new (?:task|instruction|role)\b"),
    Folded(r"\b(?:you are now|from now on,? you|pretend (?:to be|you are)|act as (?:if you|an? (?:ai|assistant|bot|model|"
           r"agent|developer|system))|you are no longer|roleplay as)\b"),
    Folded(r"\b(?:note|message|instructions?) (?:to|for) (?:the )?(?:ai|assistant|bot|model|llm|summari[sz]er|"
           r"escalation model|agent desktop|handoff)\b"),
    Folded(r"\b(?:ai|assistant|llm|model|summari[sz]er) (?:reading this|must|should|will now)\b"),
    Folded(r"\b(?:the |your )?(?:assistant|bot|model|agent) must (?:write|say|promise|confirm|open|state)\b"),
    Folded(r"\b(?:write|put|add|say|copy|print|output|insert|include|repeat|echo)\b[^.!?\n]{0,50}?\b(?:in|into|to|as) "
           r"(?:the |your )?(?:summary|announcement|opening line|notes?|brief|commitments?|handoff|output)\b"),
    Folded(r"\b(?:repeat|print|output|echo|reveal|show)\b[^.!?\n]{0,30}?\b(?:the )?(?:words|text|everything|prompt|"
           r"instructions)\b[^.!?\n]{0,20}\b(?:above|before|verbatim|word for word)\b"),
    Folded(r"\b(?:escalation|decision|stage|priority|score|instructions?|commitments?_to_honou?r)\s*[=:]\s*\S"),
    Folded(r"\"(?:summary|opening_line|announcement|commitments?|sections?|stage|escalation|role)\"\s*:"),
    Folded(r"<\|[^|>]{1,24}\|>|<(?:start|end)_of_turn>|\[/?INST\]|<</?SYS>>|</?\s*conversation\s*>|<!--|```"),
    Folded(r"\b(?:agent|internal|system|admin|staff) note\s*[:(]|\b(?:summary|announcement|opening line|brief|commitments?)"
           r"\b(?: of [^.!?\n]{1,30})? (?:must|should|has to) (?:be|say|read|include|state)\b"),
    Folded(r"<\s*/?\s*(?:script|iframe|img|style|b|i|a|div|span|p)\b[^>]*>"),
    Folded(r"(?:^|\s)/(?:close|resolve|complete|escalate|system)\b"),
    # other languages: ignore/forget ... instructions
    Folded(r"\b(?:ignor\w*|olvida\w*|vergiss\w*|oubliez|dimentica\w*|игнорируй\w*|забудь\w*)\b[^.!?\n]{0,40}?"
           r"(?:instruc\w*|anweisung\w*|istruzion\w*|инструкц\w*|alles|todo|tout|tutto|vorherig\w*|anterior\w*|précédent\w*)"),
    re.compile(r"(?:忽略|无视|忘记).{0,12}(?:指令|指示|说明|规则)|(?:系统提示|系統提示)"),
    Folded(r"\b(?:системный промпт|systemprompt|prompt (?:système|di sistema|del sistema))\b"),
]


def strip_invisible(text: str) -> str:
    return INVISIBLE.sub("", text)


def _fold_word(match: re.Match[str]) -> str:
    word = match.group()
    return word.translate(_CONFUSABLE) if _LATIN.search(word) else word  # mixed script: a look-alike


def canonical(text: str) -> str:
    """Folded the way a reader sees it: NFKC, no invisible characters, look-alikes inside Latin words Latin."""
    if text.isascii():
        return text  # nothing to fold
    return _WORD.sub(_fold_word, unicodedata.normalize("NFKC", strip_invisible(text)))


@text_cache(maxsize=65536)
def addresses_model(text: str) -> bool:
    """The text tries to instruct a model or speak as another role."""
    if _OVERRIDE.search(text):
        return True
    seen = canonical(text)
    return bool(ROLE_MARKER.search(seen)) or any(p.search(seen) for p in _ADDRESSING)


def neutralise(text: str) -> str:
    """Text made inert for a prompt: no template token, delimiter, invisible character or role marker."""
    seen = canonical(text).replace("<", "(").replace(">", ")")
    return ROLE_MARKER.sub(lambda m: "(" + re.sub(r"[\[\]/:\s]", "", m.group()) + ")", seen)
