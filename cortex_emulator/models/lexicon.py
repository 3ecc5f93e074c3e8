"""Words and concepts: the tokenizer, the light stemmer and the synonym lexicon of the
emulated foundation models.

The lexicon maps everyday customer-service and telecom words to a few *concept* words
("stolen", "misplaced" -> ``lost``; "abroad", "Mexico" -> ``roam``; "buffering" -> ``slow``,
``speed``). It never lists categories: categories always come from the prompt, and a category
is matched through the concepts of its own words. A category whose words the lexicon does not
know still matches requests that use the same words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")

#: Concepts that are too generic to decide between categories on their own.
_WEAK_CONCEPTS: dict[str, float] = {
    "data": 0.35,
    "phone": 0.35,
    "account": 0.35,
    "new": 0.3,
    "service": 0.3,
    "plan": 0.3,
    "internet": 0.35,
    "line": 0.6,
    "network": 0.6,
    "request": 0.2,
    "customer": 0.2,
}

# concept -> words and phrases that express it (stemmed when the lexicon is built). A
# ":<weight>" suffix marks a weaker hint (default 1.0); "_" joins the words of a phrase.
_CONCEPT_WORDS: dict[str, str] = {
    "roam": """
        roam roaming roamed abroad international internationally overseas foreign
        travel travels travelled traveled travelling traveling trip:0.8 trips:0.8
        vacation:0.8 holiday:0.8 holidays:0.8 cruise:0.8 border:0.8 passport:0.8
        airport:0.7 tourist:0.8 honeymoon:0.8 visiting:0.5 country:0.7 countries:0.8
        europe european mexico canada france spain italy germany portugal greece uk
        england london paris rome berlin madrid japan tokyo china india brazil australia
        asia africa caribbean thailand turkey ireland
        outside_the_country out_of_the_country another_country other_country
    """,
    "fee": """
        fee fees charge charges charged charging surcharge surcharges overcharge overcharged
        bill bills billed billing invoice invoices cost:0.8 costs:0.8 costly:0.8
        expensive:0.8 price:0.7 prices:0.7 pricing:0.7 pay:0.5 paid:0.5 payment:0.6
        payments:0.6 refund:0.8 refunds:0.8 money:0.6 dollar:0.7 dollars:0.7 euro:0.7
        euros:0.7 rate:0.5 rates:0.5 tariff:0.8 tariffs:0.8
    """,
    "bill": "bill bills billed billing invoice invoices statement:0.7 statements:0.7",
    "dispute": """
        dispute disputes disputed wrong:0.7 incorrect:0.8 mistake:0.8 mistaken:0.8 error:0.6
        erroneous:0.8 unfair:0.7 overcharge overcharged refund:0.8 refunds:0.8 contest:0.8
        unauthorized:0.8 unauthorised:0.8 double:0.5 duplicate:0.7 twice:0.5
    """,
    "slow": """
        slow slower slowest slowly sluggish buffering buffer buffers lag lags lagging laggy
        latency crawl crawling throttle throttled throttling snail stall:0.7 stalls:0.7
        stalling:0.7 freeze:0.6 freezes:0.6 freezing:0.6 loading:0.5 forever:0.4
        unusable:0.5 timeout:0.6 mbps:0.8 kbps:0.8
    """,
    "speed": """
        speed speeds mbps kbps gbps fast:0.7 faster:0.8 bandwidth download:0.6
        downloads:0.6 downloading:0.6 upload:0.6 uploads:0.6 uploading:0.6 throughput
        speedtest ping:0.6 slow:0.6 slower:0.6 slowly:0.6 buffering:0.6 throttled:0.6
        throttling:0.6
    """,
    "data": """
        data internet:0.8 4g:0.8 5g:0.8 lte:0.8 3g:0.8 wifi:0.6 wi-fi:0.6 gb:0.8 mb:0.6
        gigabyte:0.8 gigabytes:0.8 browsing:0.7 streaming:0.6 stream:0.5 connection:0.5
    """,
    "lost": """
        lost lose losing loses stolen steal stole theft thief thieves missing misplace
        misplaced robbed robbery pickpocket pickpocketed gone:0.6 disappeared:0.8
        taken:0.7 took:0.5 snatched grabbed:0.5 locate:0.6 track:0.5 tracking:0.5
        block:0.6 blocked:0.6 blocking:0.6
        left_my_phone can't_find cannot_find can_not_find find_my:0.8 where_my_phone:0.8
    """,
    "phone": """
        phone phones smartphone iphone android handset device devices mobile:0.7 cell:0.7
        cellphone samsung galaxy pixel
    """,
    "add": """
        add adds added adding extra:0.5 additional:0.6 another:0.4 second:0.5 third:0.5
        daughter:0.5 daughters:0.5 son:0.5 sons:0.5 wife:0.5 husband:0.5 kid:0.5 kids:0.5
        child:0.5 children:0.5 teen:0.5 teenager:0.5 family:0.4 employee:0.5 employees:0.5
        staff:0.5 colleague:0.5 hire:0.5 hired:0.5 intern:0.5 partner:0.4 mom:0.4 dad:0.4
        mother:0.4 father:0.4 parent:0.4 member:0.5 members:0.5 include:0.5 join:0.5
        new_line new_lines another_line second_line extra_line additional_line new_sim
    """,
    "line": """
        line lines sim sims esim number:0.7 numbers:0.7 phone_number family_plan:0.7
    """,
    "new": "new",
    "close": """
        close closes closed closing cancel cancels canceled cancelled canceling cancelling
        cancellation terminate terminated terminating termination discontinue disconnect:0.7
        quit:0.8 quitting:0.8 leave:0.6 leaving:0.6 switch:0.6 switching:0.6 port:0.7
        porting:0.7 competitor:0.8 deactivate unsubscribe shut:0.7 end:0.5 ending:0.5
        port_out another_provider other_provider different_provider no_longer:0.7
    """,
    "account": "account accounts service:0.6 services:0.6 contract contracts subscription",
    "plan": "plan plans package packages bundle bundles subscription:0.7",
    "internet": "internet broadband wifi wi-fi router modem fiber fibre",
    "outage": """
        outage outages down:0.8 offline dead:0.7 interruption interrupted blackout
        unavailable disconnected disconnects:0.8 dropped:0.6 dropping:0.6 drops:0.6
        not_working no_signal no_service no_internet no_connection stopped_working
    """,
    "network": "network networks signal signals coverage tower towers reception bars:0.6",
    "password": """
        password passwords passcode pin:0.7 login log-in credential credentials log_in sign_in
    """,
    "reset": """
        reset resets resetting forgot forgotten forget recover recovery unlock:0.8 locked:0.8
        lockout locked_out
    """,
    "upgrade": "upgrade upgrades upgrading upgraded",
    "request": "request requests",
    "customer": "customer customers",
}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light, deterministic stemmer: lower case, strip plural / -ing / -ed and a final e.

    It does not need to be linguistically right, only consistent: the lexicon is stemmed
    with the same function, so "charged", "charges" and "charge" all meet at "charg".
    """
    w = word.lower().replace("\u2019", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith("ing") and len(w) > 5:
        w = _undouble(w[:-3])
    elif w.endswith("ed") and not w.endswith("eed") and len(w) > 4:
        w = _undouble(w[:-2])
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


def _undouble(w: str) -> str:
    if len(w) >= 4 and w[-1] == w[-2] and w[-1] not in "aeioulsz":
        return w[:-1]
    return w


def words(text: str) -> list[str]:
    """Lower-cased words of ``text`` (letters and digits; an inner apostrophe is kept)."""
    return [m.group(0).lower().replace("\u2019", "'") for m in _WORD.finditer(text)]


def stems(text: str) -> list[str]:
    """The stems of the words of ``text``, in order."""
    return [stem(w) for w in words(text)]


Concepts = dict[str, float]


def _build() -> tuple[dict[str, Concepts], dict[tuple[str, ...], Concepts]]:
    single: dict[str, Concepts] = {}
    phrases: dict[tuple[str, ...], Concepts] = {}
    for concept, entries in _CONCEPT_WORDS.items():
        for entry in entries.split():
            text, _, weight_text = entry.partition(":")
            weight = float(weight_text) if weight_text else 1.0
            key = tuple(stem(w) for w in words(text.replace("_", " ").replace("-", " ")))
            targets: list[dict[str, float]] = []
            if len(key) == 1:
                targets.append(single.setdefault(key[0], {}))
            elif key:
                targets.append(phrases.setdefault(key, {}))
            if "-" in text:
                targets.append(single.setdefault(stem(text.replace("-", "")), {}))
            for target in targets:
                target[concept] = max(target.get(concept, 0.0), weight)
    return single, phrases


_SINGLE, _PHRASES = _build()
_MAX_PHRASE = max((len(k) for k in _PHRASES), default=1)
_PHRASE_STARTS = frozenset(k[0] for k in _PHRASES)


def concept_weight(concept: str) -> float:
    """How much a concept counts as evidence: generic concepts count less."""
    return _WEAK_CONCEPTS.get(concept, 1.0)


def concepts_of_stems(stem_list: Iterable[str]) -> list[tuple[str, float]]:
    """(concept, strength) for every word and phrase of ``stem_list``, in order.

    A stem is its own concept (strength 1); the lexicon adds the concepts it knows for the
    stem and for phrases starting at it.
    """
    seq = list(stem_list)
    found: list[tuple[str, float]] = []
    for i, s in enumerate(seq):
        if s not in _SINGLE and s not in _PHRASE_STARTS:  # the common case: a plain word
            found.append((s, 1.0))
            continue
        here: dict[str, float] = {s: 1.0}
        for concept, weight in _SINGLE.get(s, {}).items():
            here[concept] = max(here.get(concept, 0.0), weight)
        for n in range(2, _MAX_PHRASE + 1):
            if i + n > len(seq):
                break
            for concept, weight in _PHRASES.get(tuple(seq[i : i + n]), {}).items():
                here[concept] = max(here.get(concept, 0.0), weight)
        found.extend(sorted(here.items()))
    return found


def word_concepts(word: str) -> dict[str, float]:
    """The lexicon's concepts for one word, with strengths (empty if it knows none)."""
    return dict(_SINGLE.get(stem(word), {}))
