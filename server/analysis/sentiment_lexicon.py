"""Word valences and contact-centre cue patterns for the sentiment analyser.

A compact hand-written lexicon (valence in -1..1) rather than a general one:
customer-service language is narrow, and general lexicons score "charge",
"order", "refund" or "ticket" as if they carried feeling. Topic words stay out.
"""

from __future__ import annotations

from server.analysis.folded import Folded

_POSITIVE = """
thanks .5 thank .5 thx .4 ty .3 cheers .4 appreciate .6 appreciated .6 grateful .6 thankful .6 great .6
perfect .7 awesome .7 excellent .7 good .4 nice .4 helpful .6 helped .4 love .6 loved .6 lovely .6 happy .6
glad .5 wonderful .7 amazing .7 fantastic .7 brilliant .7 superb .7 best .6 pleased .6 delighted .7
satisfied .5 impressed .6 relieved .5 resolved .5 solved .5 fixed .4 works .3 worked .4 sorted .4 quick .3
quickly .3 fast .3 easy .3 smooth .3 kind .4 friendly .5 polite .4 cool .3 sweet .3 yay .5 legend .5 hero .5
pleasure .5 welcome .2 fine .1 ok .05 okay .05 excited .5 enjoy .5 enjoyed .5 reliable .4 fair .3 beautiful .5
acceptable .3 reasonable .3 surprised .1
"""
_NEGATIVE = """
bad .5 terrible .8 awful .8 horrible .8 horrendous .8 dreadful .8 atrocious .9 abysmal .9 appalling .9 worst .9
useless .8 worthless .8 pointless .6 ridiculous .7 ridiculously .5 absurd .6 unacceptable .8 outrageous .8
disgrace .8 disgraceful .8 disgusting .8 disgusted .8 shocking .7 shocked .5 shameful .7 shame .5 pathetic .8
joke .5 rubbish .7 garbage .7 trash .7 nonsense .6 poor .5 poorly .5 lousy .6 mediocre .4 worse .6 sucks .7
disappointed .6 disappointing .6 disappointment .6 unhappy .6 dissatisfied .6 annoyed .6 annoying .6 annoy .5
irritated .6 irritating .6 angry .7 mad .5 furious .9 livid .9 fuming .8 upset .6 frustrated .7 frustrating .7
frustration .7 fed .3 sick .4 tired .3 sad .4 worried .4 worry .3 stressed .5 stressful .5 stress .4 hassle .5
headache .5 nightmare .8 hopeless .8 helpless .6 confused .3 confusing .4 difficult .3 impossible .5 hard .2
wrong .4 broken .5 broke .4 damaged .5 defective .5 faulty .5 cracked .4 missing .4 lost .4 stuck .4 slow .3
late .3 delayed .3 delay .3 delays .3 never .3 nobody .4 problem .2 problems .3 complaint .5 complain .5
scam .9 scammed .9 fraud .8 cheated .8 robbed .8 misleading .6 lied .8 lie .6 lies .7 lying .7 liar .8 liars .8
rude .7 unprofessional .7 incompetent .8 incompetence .8 clueless .7 idiot .8 idiots .8 stupid .7 dumb .6
unreliable .6 unresponsive .6 ignored .7 ignoring .6 ignore .4 waste .6 wasted .6 wasting .6 hate .8 hated .8
fail .5 failed .5 fails .5 failure .5 failing .5 error .3 overcharged .6 unfortunately .3 ugh .6 smh .4
seriously .3 inconvenience .4 inconvenient .4 mess .5 messed .5 screwed .7 ruined .7 crap .7 forever .2
fuck .7 fucking .5 shit .6 shitty .7 bullshit .7 pissed .7 junk .6 mouldy .5 moldy .5 rotten .6 disaster .8
"""


def _table(block: str, sign: float) -> dict[str, float]:
    items = block.split()
    return {word: sign * float(value) for word, value in zip(items[::2], items[1::2], strict=True)}


VALENCE: dict[str, float] = {**_table(_POSITIVE, 1.0), **_table(_NEGATIVE, -1.0)}
EMOJI: dict[str, float] = {
    ":)": 0.4, ":-)": 0.4, ":D": 0.5, "🙂": 0.4, "😊": 0.5, "😀": 0.5, "😁": 0.5, "👍": 0.4, "❤": 0.5, "🙏": 0.3,
    ":(": -0.5, ":-(": -0.5, "😡": -0.8, "😠": -0.7, "🤬": -0.9, "😤": -0.6, "🙄": -0.5, "😒": -0.5, "😢": -0.5,
    "😭": -0.5, "😞": -0.5, "👎": -0.5, "😩": -0.6, "😫": -0.6,
}
NEGATIONS = frozenset({"not", "no", "never", "dont", "don't", "didnt", "didn't", "isnt", "isn't", "wasnt", "wasn't",
                       "cant", "can't", "cannot", "wont", "won't", "aren't", "doesn't", "doesnt", "nothing", "hardly",
                       "haven't", "hasn't", "nor", "without", "nobody"})
INTENSIFIERS = {"very": 1.3, "so": 1.25, "really": 1.25, "extremely": 1.5, "absolutely": 1.4, "totally": 1.3,
                "completely": 1.3, "incredibly": 1.4, "super": 1.2, "utterly": 1.5, "beyond": 1.3, "most": 1.2}
# Outcome words are praise only when they report what happened: "need it fixed" or "if it works" is not.
OUTCOMES = frozenset({"fixed", "resolved", "solved", "sorted", "works", "worked", "helpful", "helped", "quick", "fast"})
REQUEST_CONTEXT = frozenset({"need", "needs", "want", "wants", "get", "please", "can", "could", "will", "would", "should",
                             "if", "to", "be", "until", "unless", "hope", "hoping", "expect", "supposed"})
CLAUSE_BREAKS = frozenset({".", ",", ";", "!", "?", "but", "however"})
# Phrases whose feeling is not in their words, with a valence each.
PHRASES: tuple[tuple[Folded, float], ...] = tuple((Folded(p), v) for p, v in (
    (r"\b(?:don'?t|doesn'?t|do\s+not|does\s+not|didn'?t|never)\s+(?:seem\s+to\s+|even\s+)?care\b", -0.6),
    (r"\b(?:no|zero)\s+(?:help|luck|joy|resolution|resolve)\b|\bgot(?:ten)?\s+nowhere\b|\blet\s+down\b", -0.5),
    (r"\bfed\s+up\b|\bsick\s+(?:and\s+tired\s+)?of\b|\bwaste\s+of\s+(?:time|money)\b|\bpiece\s+of\s+(?:crap|junk|garbage)\b", -0.7),
    (r"\bnot\s+(?:good|ok|okay)\s+enough\b|\bwhy\s+am\s+i\s+not\s+surprised\b", -0.5),
))

PROFANITY = Folded(r"\b(?:f+u+c+k\w*|sh[i1]t\w*|damn\w*|bloody|wtf|ffs|crap\w*|bs|pissed|bullshit|arse|ass)\b")
ASKS_FOR_HUMAN = Folded(
    r"\b(?:(?:speak|talk|chat)\s+(?:to|with)\s+(?:a|an|the|your|some)?\s*(?:real\s+|actual\s+|live\s+)?"
    r"(?:person|human|agent|representative|rep|someone|somebody|manager|supervisor|operator)"
    r"|(?:real|actual|live)\s+(?:person|human|agent)"
    r"|(?:get|give|transfer|put|connect)\s+me\s+(?:to|through\s+to|with)?\s*(?:a|an)?\s*(?:human|person|agent|manager|"
    r"supervisor|representative|operator)"
    r"|human\s+(?:being|agent|please)|(?:want|need)\s+(?:a|an|to\s+speak\s+to\s+a)\s+(?:human|person|agent|manager|"
    r"supervisor|representative))\b"
    r"|^\W*(?:agent|human|representative|operator|real\s+person)(?:\s+please)?\W*$",

)
REPEAT_CONTACT = Folded(
    r"\b(?:(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th))\s+time\s+(?:i(?:'ve|\s+have|'m|\s+am)?\s+)?"
    r"(?:contact|call|messag|writ|email|reach|chatt|ask|tweet|complain|been)"
    r"|this\s+is\s+(?:the|my)\s+(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th))\s+time"
    r"|(?:called|dialled|dialed|rang|contacted|messaged|written|emailed|chatted|tweeted|complained|reached\s+out)\s+(?:you\s+|in\s+)?"
    r"(?:already|before|twice|three\s+times|several\s+times|multiple\s+times|many\s+times|so\s+many\s+times)"
    r"|(?:twice|three\s+times|several\s+times|multiple\s+times)\s+(?:already|now|before)"
    r"|(?:call(?:ed|ing)?|contact(?:ed|ing)?|dial(?:l?ed|l?ing)|rang|ring(?:ing)?|messag(?:ed|ing)|email(?:ed|ing)|chatted)"
    r"\s+(?:\S+\s+){0,2}(?:\d+|two|three|four|five|six|several|multiple|many|so\s+many)\s+times"
    r"|third\s+time'?s\s+a\s+charm"
    r"|(?:told|said)\s+(?:\w+\s+){0,3}last\s+time)",

)
REPEATING = Folded(
    r"\b(?:already\s+(?:told|explained|said|gave|sent|provided|informed|mentioned)|as\s+i\s+(?:said|mentioned|explained)|"
    r"like\s+i\s+(?:said|told)|i\s+(?:just\s+)?(?:told|said)\s+(?:you|that)|for\s+the\s+(?:second|third|last)\s+time"
    r"|how\s+many\s+times|repeat(?:ing)?\s+myself|explain(?:ing)?\s+(?:myself|everything|it\s+all)\s+(?:all\s+)?(?:again|over)"
    r"|(?:have|had)\s+to\s+(?:\w+\s+){0,2}explain|(?:have\s+to|had\s+to|keep)\s+start(?:ing)?\s+(?:all\s+)?over|starting\s+over)\b",

)
AT_BOT = Folded(
    r"\b(?:you(?:'re|\s+are)?\s+(?:not\s+(?:listening|understanding|helping|getting\s+it)|useless|a\s+(?:bot|robot|machine))"
    r"|(?:this|stupid|useless|dumb|your)\s+(?:bot|robot|chatbot|machine|automated)|not\s+listening"
    r"|(?<!if\s)(?:you|bot)\s+(?:just\s+|still\s+)?(?:don't|doesn't|do\s+not|does\s+not)\s+(?:understand|get\s+it|read)"
    r"|(?<!if\s)(?:you|bot)\s+(?:didn't|did\s+not)\s+(?:understand|read)"
    r"|ignor\w*\s+(?:my|what\s+i)\s+(?:question|message|point|said|wrote|asked)"
    r"|stop\s+asking|(?:asking|saying|sending|telling)\s+(?:me\s+)?the\s+same|same\s+(?:question|answer|reply|response)s?\s+"
    r"(?:again|over)|you\s+keep\s+(?:asking|saying|sending)|not\s+what\s+i\s+(?:asked|said|meant)|makes\s+no\s+sense"
    r"|(?:didn't|did\s+not|doesn't|does\s+not)\s+answer\s+my\s+question|(?:you're|you\s+are)\s+not\s+making\s+sense"
    r"|(?:answer(?:ing)?|read(?:ing)?)\s+my\s+question|are\s+you\s+(?:a\s+)?(?:bot|robot|real|human)|automated\s+(?:reply|response|answer)"
    r"|copy\s+(?:and|&)\s+paste|canned\s+(?:reply|response))\b",

)
WAITING = Folded(
    r"\b(?:still\s+(?:waiting|haven't|hasn't|have\s+not|has\s+not|without|on\s+hold|(?:not|no)\s+(?:here|arrived|"
    r"received|delivered|refunded|heard|been|got|sign|reply|response|refund|update|word|news|delivery|package|parcel|call))"
    r"|(?:hasn't|has\s+not|haven't|have\s+not|never|not)\s+(?:yet\s+)?(?:arrived|come|received|got|gotten|heard\s+back|"
    r"been\s+(?:delivered|refunded|shipped|processed|contacted))|(?:been|was|am|i'm)\s+(?:still\s+)?waiting"
    r"|waiting\s+since|(?:days|weeks|months|hours)\s+(?:now|late|and\s+(?:still|nothing|no))"
    r"|\d+\s*(?:hrs|hours|days|weeks)\s+later|(?:an?|\d+)\s+(?:hours?|days?|weeks?|mins?|minutes?)\s+late|day\s+\d+\b"
    r"|it'?s\s+been\s+(?:\w+\s+){0,2}(?:days|weeks|months|hours)|on\s+hold\s+(?:for|since)|overdue|late\s+(?:again|delivery)"
    r"|(?:another|more)\s+delays?|delayed\s+again|where\s+(?:is|are)\s+my"
    r"|taking\s+(?:so\s+long|forever|ages)|no\s+(?:reply|response|update|answer|news|word)s?\s+(?:yet|since|for|till|until|so\s+far)"
    r"|(?:no\s+one|nobody)\s+(?:is\s+)?(?:answering|responding|replying|picking\s+up|got\s+back|gets\s+back)"
    r"|(?:failed|fail)\s+to\s+(?:respond|reply|get\s+back|call)|(?:are|is|will)\s+(?:you|it|they)\s+ever\s+(?:going|gonna)"
    r"|still\s+(?:unavailable|pending|processing))\b",

)
# Mentions of time or waiting that are a complaint only beside other signs: they point at a delay, weakly.
WAITING_MENTION = Folded(
    r"\b(?:waiting\s+(?:for|on)|(?:days|weeks|months)\s+ago|when\s+will\s+(?:i|it|my|they|you)|still\s+nothing"
    r"|no\s+(?:update|reply|response)s?\b|any\s+update|chas(?:e|ed|ing))\b",

)
PRODUCT = Folded(
    r"\b(?:broken|damaged|defective|faulty|cracked|stained|ripped|torn|leaking|dead\s+on\s+arrival|"
    r"(?:doesn'?t|does\s+not|won'?t|will\s+not|isn'?t|not)\s+(?:work|working|turn\s+on|charge|charging|fit|load)"
    r"|stopped\s+working|keeps\s+(?:crashing|freezing)|wrong\s+(?:size|item|colou?r)|mou?ldy|rotten|out\s+of\s+date)\b",

)
SARCASM = Folded(
    r"\b(?:(?:oh\s+)?(?:great|wonderful|brilliant|fantastic|perfect|lovely|awesome)\s*[,.!]*\s*(?:just\s+)?"
    r"(?:great|wonderful|brilliant|fantastic|perfect|lovely|awesome)\b|thanks\s+for\s+nothing|yeah\s+right"
    r"|wow[,.!]*\s+just\s+wow|(?:great|brilliant|fantastic|love\s+it|wonderful)\s*[,.]*\s*(?:another|more|now|so|exactly)\s+"
    r"(?:delay|wait|error|nothing|useless|again)|thanks\s+a\s+lot\s+for\s+nothing|real(?:ly)?\s+helpful\s*(?:not|\.\.\.|/s)"
    r"|/s\b|nice\s+job\s+(?:guys\s+)?(?:not|again)|what\s+a\s+(?:joke|surprise)|why\s+am\s+i\s+not\s+surprised)",

)
THANKS = Folded(r"\b(?:thanks|thank\s+(?:you|u)|thx|ty|cheers|much\s+appreciated|appreciate\s+(?:it|that|your))\b")
RESOLVED = Folded(
    r"\b(?:that\s+(?:worked|works|fixed\s+it|helps|helped|did\s+it)|(?:it'?s|all)\s+(?:working|sorted|fixed|good)\s+now"
    r"|(?:it'?s|all)\s+(?:sorted|fixed)|problem\s+solved|got\s+it\s+(?:now|thanks)|you'?ve\s+been\s+(?:very\s+|so\s+)?helpful)\b",

)
ACRONYMS = frozenset({"UPS", "USPS", "DHL", "FEDEX", "TNT", "ID", "PIN", "USA", "UK", "OK", "FAQ", "SMS", "PDF", "ASAP",
                      "TV", "PC", "IOS", "APP", "CEO", "VIP", "EU", "US", "API", "URL", "DM", "DMS", "PM", "AM", "GPS",
                      "ATM", "IMEI", "SIM", "ETA", "VAT", "BBC", "NYC", "LOL", "OMG", "CVV", "ZIP", "SSN", "DOB",
                      "HDMI", "USB", "WIFI", "LTE", "MMS", "ISP", "AWS", "CNN", "NFL", "NBA", "LAX", "JFK", "PST",
                      "EST", "GMT", "UTC", "USD", "GBP", "EUR", "CAD", "AUD", "FYI", "TBH", "IMO", "BTW", "RSVP"})
# Words that are shouted, not abbreviations, when written in capitals; EMPHASIS ones count even alone.
EMPHASIS = frozenset({"still", "now", "again", "never", "ever", "nothing", "why", "everyone", "nobody", "anyone", "stop",
                      "please", "help", "answer", "really", "seriously", "all", "any", "same", "every", "worst", "absolutely",
                      "totally", "completely", "extremely", "very"})
EMPHATIC = EMPHASIS | frozenset("""
the and you your this that what where when how who are was were not have has had will would can could for with
from they them there their our out one time times days weeks months hours day week month order refund money
back just want need told said tell call called paid pay charged service customer nobody thing get got here been
""".split())
BROKEN_PROMISE = Folded(
    r"\b(?:(?:told|promised|said|assured)\b[^.!?]{0,60}\b(?:would|will|'d)\b[^.!?]{0,60}\b(?:nobody|no\s+one|never|"
    r"didn'?t|did\s+not|hasn'?t|haven'?t|still\s+not)|(?:nobody|no\s+one)\s+(?:ever\s+)?(?:got|came|called|rang|replied|"
    r"responded|wrote)\s+(?:me\s+)?back|never\s+(?:got|called|rang|wrote)\s+(?:me\s+)?back|never\s+heard\s+back"
    r"|no\s+call\s*back|you\s+promised)\b",

)
