"""Small closed word lists the fact detectors lean on.

They are generic English and retail vocabulary, not any one deployment's
catalogue: a deployment adds its own fact types (name + pattern or keywords)
through ``FactType``.
"""

from __future__ import annotations

STREET_SUFFIXES = (
    "street", "st", "avenue", "ave", "road", "rd", "drive", "dr", "lane", "ln", "boulevard", "blvd",
    "way", "court", "ct", "place", "pl", "terrace", "ter", "parkway", "pkwy", "highway", "hwy",
    "circle", "cir", "square", "sq", "trail", "trl",
)  # fmt: skip

STATES = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC",
    "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
)  # fmt: skip

MEMBERSHIP_LEVELS = ("guest", "bronze", "silver", "gold", "platinum", "diamond", "premium", "basic", "vip")

PAYMENT_METHODS = (
    "credit card", "debit card", "gift card", "paypal", "paper check", "cheque", "apple pay",
    "google pay", "bank transfer", "wire transfer", "store credit", "account credit", "venmo",
)  # fmt: skip

PRODUCT_NOUNS = (
    "boots", "boot", "shoes", "sneakers", "sandals", "heels", "jacket", "coat", "jeans", "pants",
    "trousers", "shorts", "shirt", "t-shirt", "blouse", "dress", "skirt", "sweater", "hoodie", "hat",
    "scarf", "gloves", "socks", "handbag", "purse", "backpack", "wallet", "belt", "watch", "sunglasses",
    "phone", "laptop", "tablet", "headphones", "earbuds", "charger", "tv", "television", "camera",
    "printer", "monitor", "keyboard", "speaker", "router", "console", "mattress", "sofa", "couch",
)  # fmt: skip

COMMON_WORDS = frozenset(
    """
    a an the and or but nor so yet for of to in on at by with from into onto about as than then
    i me my mine we us our you your he him his she her it its they them their this that these those
    i'm im i've i'd i'll it's its they're there here where when what which who whom why how
    is am are was were be been being do does did have has had having will would can could should may might
    must shall not no yes yeah yep ok okay sure thanks thank please hi hello hey just only also too very
    really still already again now today tomorrow yesterday soon new old good fine great bad sorry
    afraid glad happy sad upset angry mad confused frustrated tired annoyed worried interested
    calling contacting writing messaging chatting looking trying getting having waiting wondering
    going hoping asking checking back out up down over all any some every each both either neither
    one two three four five other another same such own more most less few many much lot lots
    bought ordered purchased received got returned sent paid wanted want need like love hate
    item items order orders product products thing things stuff pair pairs set
    customer member user senior guy man woman person here there well actually
    id number account username email phone address name because provide use using used different
    is there way each every hq
    """.split()
)
