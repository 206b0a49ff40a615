"""Word valences and contact-centre cue patterns for the sentiment analyser.

A compact hand-written lexicon (valence in -1..1) rather than a general one:
customer-service language is narrow, and general lexicons score "charge",
"order" or "ticket" as if they carried feeling.
"""

from __future__ import annotations

import re

VALENCE: dict[str, float] = {
    # positive
    "thanks": 0.5, "thank": 0.5, "thx": 0.4, "great": 0.6, "perfect": 0.7, "awesome": 0.7, "excellent": 0.7,
    "good": 0.4, "nice": 0.4, "helpful": 0.6, "appreciate": 0.6, "appreciated": 0.6, "love": 0.6, "lovely": 0.6,
    "happy": 0.6, "glad": 0.5, "wonderful": 0.7, "amazing": 0.7, "fantastic": 0.7, "brilliant": 0.7,
    "resolved": 0.5, "solved": 0.5, "fixed": 0.4, "works": 0.3, "worked": 0.4, "working": 0.2, "pleased": 0.6,
    "sorted": 0.4, "quick": 0.3, "fast": 0.3, "kind": 0.4, "cheers": 0.4, "fine": 0.1, "ok": 0.05, "okay": 0.05,
    # negative
    "bad": -0.5, "terrible": -0.8, "awful": -0.8, "horrible": -0.8, "worst": -0.9, "useless": -0.8,
    "ridiculous": -0.7, "unacceptable": -0.8, "disappointed": -0.6, "disappointing": -0.6, "annoyed": -0.6,
    "annoying": -0.6, "angry": -0.7, "furious": -0.9, "upset": -0.6, "frustrated": -0.7, "frustrating": -0.7,
    "fed": -0.3, "sick": -0.4, "tired": -0.3, "pathetic": -0.8, "joke": -0.5, "rubbish": -0.7, "poor": -0.5,
    "wrong": -0.4, "broken": -0.5, "broke": -0.4, "damaged": -0.5, "defective": -0.5, "faulty": -0.5,
    "late": -0.3, "delayed": -0.3, "delay": -0.3, "still": -0.15, "never": -0.3, "nobody": -0.4, "missing": -0.4,
    "lost": -0.4, "problem": -0.3, "issue": -0.15, "complaint": -0.5, "complain": -0.5, "scam": -0.9,
    "rude": -0.7, "waste": -0.6, "wasted": -0.6, "hate": -0.8, "stupid": -0.7, "incompetent": -0.8,
    "lied": -0.8, "lie": -0.6, "worse": -0.6, "fail": -0.5, "failed": -0.5, "fails": -0.5, "error": -0.3,
    "cancel": -0.2, "refund": -0.1, "charged": -0.2, "overcharged": -0.6, "stuck": -0.4, "ignored": -0.7,
    "sorry": -0.1, "unfortunately": -0.3, "ugh": -0.6, "seriously": -0.3, "disgusted": -0.8, "shocking": -0.7,
    "nightmare": -0.8, "hopeless": -0.8, "confused": -0.3, "impossible": -0.5, "sucks": -0.7, "crap": -0.7,
}

NEGATIONS = frozenset({"not", "no", "never", "dont", "don't", "didnt", "didn't", "isnt", "isn't", "wasnt",
                       "wasn't", "cant", "can't", "cannot", "wont", "won't", "nothing", "hardly"})
INTENSIFIERS = {"very": 1.3, "so": 1.25, "really": 1.25, "extremely": 1.5, "absolutely": 1.4, "totally": 1.3,
                "completely": 1.3, "incredibly": 1.4, "super": 1.2}
PROFANITY = re.compile(r"\b(?:f+u+c+k\w*|sh[i1]t\w*|damn\w*|bloody|wtf|crap|bs)\b", re.I)

ASKS_FOR_HUMAN = re.compile(
    r"\b(?:(?:speak|talk|chat)\s+(?:to|with)\s+(?:a|an|the|your|some)?\s*(?:real\s+|actual\s+|live\s+)?"
    r"(?:person|human|agent|representative|rep|someone|somebody|manager|supervisor)"
    r"|(?:real|actual|live)\s+(?:person|human|agent)"
    r"|(?:get|give|transfer|put)\s+me\s+(?:to|through\s+to)?\s*(?:a|an)?\s*(?:human|person|agent|manager|supervisor)"
    r"|human\s+(?:being|agent|please)|(?:want|need)\s+(?:a|an)\s+(?:human|person|agent|manager|supervisor))\b",
    re.I,
)
REPEAT_CONTACT = re.compile(
    r"\b(?:(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th))\s+time|(?:twice|three times|several times|"
    r"multiple times|again and again|so many times)|(?:called|contacted|messaged|written|asked|chatted|told you)"
    r"\s+(?:you\s+)?(?:already|before|twice|three times|several times|multiple times)|(?:told|said)\s+"
    r"(?:\w+\s+){0,3}last\s+time|already\s+"
    r"(?:told|explained|said|gave|contacted|called)|as i said|like i said)\b",
    re.I,
)
AT_BOT = re.compile(
    r"\b(?:you(?:'re| are)?\s+(?:not\s+(?:listening|understanding|helping|getting\s+it)|useless|a\s+(?:bot|robot|machine))"
    r"|(?:this|stupid|useless|dumb)\s+(?:bot|robot|chatbot|machine|system|automated)|not\s+listening"
    r"|(?:don't|doesn't|do not|does not)\s+understand|makes\s+no\s+sense|stop\s+asking|same\s+(?:question|answer|thing)"
    r"|you\s+keep\s+(?:asking|saying)|not\s+what\s+i\s+(?:asked|said|meant)|(?:answer|read)\s+my\s+question)\b",
    re.I,
)
WAITING = re.compile(
    r"\b(?:still\s+(?:waiting|haven't|hasn't|have\s+not|has\s+not|not|no\b)|(?:hasn't|has\s+not|haven't|"
    r"have\s+not|never)\s+(?:arrived|come|received|got|gotten|been\s+(?:delivered|refunded|shipped))|"
    r"(?:been|was)\s+waiting|waiting\s+(?:for|since)|(?:days|weeks|months|hours)\s+(?:ago|now|late|later)|"
    r"it'?s\s+been\s+(?:\w+\s+){0,2}(?:days|weeks|months|hours)|overdue|late\s+(?:again|delivery)|"
    r"where\s+is\s+my|when\s+will\s+(?:i|it|my))\b",
    re.I,
)
PRODUCT = re.compile(r"\b(?:broken|damaged|defective|faulty|cracked|stained|ripped|doesn'?t\s+work|stopped\s+working)\b",
                     re.I)
SARCASM = re.compile(r"\b(?:great|wonderful|brilliant|fantastic|perfect|thanks)\s*,?\s*(?:just\s+great|"
                     r"really\s+helpful|thanks\s+for\s+nothing|just\s+what\s+i\s+needed)|thanks\s+for\s+nothing|"
                     r"(?:oh\s+)?great,\s+(?:just\s+)?great|yeah\s+right\b", re.I)
RESOLVED = re.compile(r"\b(?:that\s+(?:worked|works|fixed\s+it|helps|helped)|(?:it'?s|all)\s+(?:working|sorted|fixed)"
                      r"|problem\s+solved|thank\s+you\s+so\s+much|thanks\s+a\s+lot|you'?ve\s+been\s+(?:very\s+)?helpful)\b",
                      re.I)
ACRONYMS = frozenset({"UPS", "USPS", "DHL", "FEDEX", "ID", "PIN", "USA", "UK", "OK", "FAQ", "SMS", "PDF", "ASAP",
                      "TV", "PC", "IOS", "APP", "CEO", "VIP", "EU", "US", "API", "URL", "DM", "PM", "AM", "GPS"})
BROKEN_PROMISE = re.compile(
    r"\b(?:(?:told|promised|said|assured)\b[^.!?]{0,60}\b(?:would|will|'d)\b[^.!?]{0,60}\b(?:nobody|no\s+one|never|"
    r"didn'?t|did\s+not|hasn'?t|haven'?t|still\s+not)|nobody\s+(?:got|came|called|replied|responded)\s+back|"
    r"(?:never|no\s+one)\s+(?:got|called|came|replied)\s+back|you\s+promised)\b",
    re.I,
)
