"""Person names in free text: capitalised words checked against a first-name gazetteer.

A rule-based extractor, honest about its limits. A name is found when

- a title comes first ("Mr Dlamini", "Dr. Sarah Jones", "Prof van der Merwe"): the
  capitalised words after the title are the name, whatever they are;
- a cue introduces it ("my name is tom", "call me Thabo", "I am Lerato", "this is Anna"):
  the next word is a name when it is a known first name, in any case;
- otherwise a capitalised word is a known first name, followed by up to three more
  capitalised words (surnames) and the Afrikaans/Dutch particles "van", "der", "de",
  "du", "le", "la", "von", "den" ("Jan van der Merwe").

Known first names are the US Census 1990 lists shipped in the `names` package (MIT;
5,494 names, the census data is public domain) plus `ZA_FIRST_NAMES` below, a curated
list of common South African first names (Nguni, Sotho-Tswana, Venda, Tsonga and
Afrikaans) that the census lists lack. Words that are more often ordinary words than
names ("Will", "May", "Grace", "Bill") count only after a title or cue, or before a
surname. Limits: surnames alone ("Nkosi called") and names not in the gazetteer are not
found unless a title or cue marks them; a lower-case name is found only after a cue;
capitalised non-names after a first name ("Thabo Bank") are taken as surnames.

    PersonNameExtractor.load().extract("Please ask Mr Dlamini and Sarah Jones")
    # [PersonName(name="Dlamini", title="Mr", ...), PersonName(name="Sarah Jones", ...)]
"""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any

MAX_NAMES = 100

TITLES: dict[str, str] = {
    "mr": "Mr", "mrs": "Mrs", "ms": "Ms", "miss": "Miss", "mx": "Mx", "dr": "Dr",
    "doctor": "Dr", "prof": "Prof", "professor": "Prof", "sir": "Sir", "dame": "Dame",
    "lady": "Lady", "lord": "Lord", "madam": "Madam", "madame": "Madame", "rev": "Rev",
    "reverend": "Rev", "pastor": "Pastor", "father": "Father", "sister": "Sister",
    "adv": "Adv", "advocate": "Adv", "judge": "Judge", "capt": "Capt", "captain": "Capt",
    "sgt": "Sgt", "sergeant": "Sgt", "gen": "Gen", "general": "Gen", "col": "Col",
    "president": "President", "minister": "Minister", "mnr": "Mnr", "mev": "Mev",
    "mej": "Mej", "me": "Me", "ds": "Ds", "baba": "Baba", "mama": "Mama", "gogo": "Gogo",
    "ntate": "Ntate", "mme": "Mme",
}  # fmt: skip
# Afrikaans titles ("Mnr", "Mev", "Me", "Ds") and Nguni/Sotho forms of address ("Baba",
# "Mama", "Gogo", "Ntate", "Mme") count only when capitalised: "me" is also English.
_TITLES_CAPITALISED_ONLY = frozenset({"me", "mama", "father", "sister", "general", "judge",
                                      "lady", "lord", "president", "minister"})  # fmt: skip

PARTICLES = frozenset({"van", "der", "den", "de", "du", "le", "la", "von", "da", "dos"})

# Common South African first names missing from the US census lists (curated for Baobab).
ZA_FIRST_NAMES: frozenset[str] = frozenset(
    """
    thabo sipho themba thandiwe thandi nomvula lerato lwazi mpho palesa bongani
    buhle busisiwe sibusiso sizwe siyabonga nkosinathi nokuthula nomsa zanele zodwa
    zama zandile zinhle ayanda andile anele lindiwe lindani lungile mandla mbali
    minenhle mlungisi mthunzi musa nandi nhlanhla nkosana nolwazi nonhlanhla ntombi
    ntombizodwa phumzile sbu senzo simphiwe sindisiwe sipho siphiwe sphamandla
    thulani vusi xolani zinzi zola kagiso karabo katlego kabelo kamogelo kgosi
    keabetswe lebo lesedi masego mosa neo nthabiseng onthatile oratile pule refilwe
    reneilwe tebogo thato tshepo tumelo tumi tshegofatso boitumelo dineo dikeledi
    itumeleng khumo lethabo mmabatho modise naledi olerato rorisang tlotlo
    lufuno mashudu ndivhuwo rudzani tshilidzi khathutshelo azwindini fulufhelo
    hlulani ntsako tsakani nyiko rhulani hlengiwe khensani mkhacani
    akhona aphiwe asanda athandile avela bulelani khanyisile khaya lukhanyo lulama
    luthando lwandile mihlali mzwandile nceba odwa siphokazi sivuyile thembeka
    unathi vuyani vuyo xola yonela zukisa zoleka lindokuhle sanele sandile
    andries anneke annelie carel chrisna christo deon dirk elmarie elna francois
    gerrit hanlie hendrik jaco jacobus johan johanna koos lize louw marelize marietjie
    marthinus nadia petrus pieter riaan rikus ruan schalk stefan susanna wessel willem
    zelda zunaid fatima ayesha yusuf mohammed zaid naeem thashlin pravin priya
    kuben nirvana prashant anusha
    """.split()
)

# Capitalised words more often ordinary than names; a name only after a title or cue,
# or when a capitalised surname follows.
AMBIGUOUS: frozenset[str] = frozenset(
    """
    will may june april august hope grace mark rose bill art frank ray page dean sunny
    joy faith destiny summer autumn winter holly ivy iris lily daisy jade amber ruby
    crystal dawn eve faith honey angel star sky rich chance major king earl guy jack
    pat sue don ben bob rob wade carol sandy rusty ginger penny misty brandy cherry
    precious gift lucky patience mercy blessing goodness justice memory long love
    many see so sun young loan hong golden queen chase miles
    """.split()
)
# Words never taken as a name or surname even when capitalised.
STOPWORDS: frozenset[str] = frozenset(
    """
    i a an the and or but if to of in on at by for with from is are was were be been
    hi hello hey dear thanks thank please yes no ok okay my your our their his her its
    this that these those monday tuesday wednesday thursday friday saturday sunday
    january february march july september october november december today tomorrow
    yesterday street road avenue bank university school hospital company
    america africa asia europe india china
    """.split()
)

_APOSTROPHES = "'\u2019"
_TOKEN = re.compile(r"[^\W\d_][\w'\u2019-]{0,40}")
_CUES = re.compile(
    r"\b(?:my name is|my name's|name is|call me|i am|i'm|this is|it's|it is|"
    r"speaking to|talk to|ask for|ask|contact|my (?:wife|husband|son|daughter|friend|"
    r"mother|father|boss|colleague)(?: is)?)\s+$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class PersonName:
    """A person name found in a text: the name, the title before it if any, and its span."""

    name: str
    start: int
    end: int
    title: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the wire form: `name`, `title` (null without one), `start`, `end`."""
        return asdict(self)


def _is_capitalised(word: str) -> bool:
    return word[0].isupper() and not (len(word) > 1 and word.isupper() and len(word) > 3)


class PersonNameExtractor:
    """First names from the census lists and `ZA_FIRST_NAMES`; see the module docstring."""

    def __init__(self, first_names: frozenset[str]) -> None:
        self.first_names = first_names

    @classmethod
    def load(cls) -> PersonNameExtractor:
        """Return the extractor with the shipped gazetteers (read once per process)."""
        return _load()

    def is_first_name(self, word: str) -> bool:
        return word.lower().strip(_APOSTROPHES) in self.first_names

    def extract(self, text: str, max_names: int = MAX_NAMES) -> list[PersonName]:
        """Return the person names in `text`, left to right, at most `max_names`."""
        tokens = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]
        found: list[PersonName] = []
        i = 0
        while i < len(tokens) and len(found) < max_names:
            word, start, _ = tokens[i]
            lower = word.lower()
            title = self._title(tokens, i, text)
            if title is not None:
                j = i + 1
                name_end = self._surnames(tokens, j, text, first=True)
                if name_end > j:
                    found.append(self._name(text, tokens, j, name_end, title))
                    i = name_end
                    continue
            cued = bool(_CUES.search(text[max(0, start - 40) : start]))
            if lower not in STOPWORDS and self.is_first_name(word):
                capitalised = _is_capitalised(word)
                name_end = self._surnames(tokens, i + 1, text, first=False)
                has_surname = name_end > i + 1
                if cued or (capitalised and (lower not in AMBIGUOUS or has_surname)):
                    if not capitalised:
                        name_end = i + 1  # "my name is tom smith": only the cued word
                    found.append(self._name(text, tokens, i, name_end, None))
                    i = name_end
                    continue
            i += 1
        return found

    def _title(self, tokens: list[tuple[str, int, int]], i: int, text: str) -> str | None:
        word, _, end = tokens[i]
        lower = word.lower()
        if lower not in TITLES or i + 1 >= len(tokens):
            return None
        if lower in _TITLES_CAPITALISED_ONLY and not word[0].isupper():
            return None
        gap = text[end : tokens[i + 1][1]]
        if gap not in (" ", ". ", ".", "  "):
            return None
        nxt = tokens[i + 1][0]
        if not _is_capitalised(nxt) or nxt.lower() in STOPWORDS:
            return None
        return TITLES[lower]

    def _surnames(
        self, tokens: list[tuple[str, int, int]], j: int, text: str, *, first: bool
    ) -> int:
        """Return the index after the capitalised words (and particles) from `j` on."""
        taken = 0
        k = j
        while k < len(tokens) and taken < 4:
            word, w_start, _ = tokens[k]
            prev_end = tokens[k - 1][2]
            # After a title the first word may follow ". " ("Dr. Smith"); inside a name
            # only a space or hyphen joins words ("Tom. Ask" is two sentences).
            if (k > j or not first) and text[prev_end:w_start] not in (" ", "-"):
                break
            lower = word.lower()
            if lower in PARTICLES and k + 1 < len(tokens) and (first or taken < 3):
                # particles only inside a name: "van der Merwe" needs the capitalised end
                end = k
                while end < len(tokens) and tokens[end][0].lower() in PARTICLES:
                    end += 1
                if end < len(tokens) and _is_capitalised(tokens[end][0]):
                    k = end
                    continue
                break
            if not _is_capitalised(word) or lower in STOPWORDS or lower in TITLES:
                break
            taken += 1
            k += 1
        return k

    @staticmethod
    def _name(
        text: str, tokens: list[tuple[str, int, int]], i: int, j: int, title: str | None
    ) -> PersonName:
        start, end = tokens[i][1], tokens[j - 1][2]
        return PersonName(text[start:end], start, end, title)


@functools.cache
def _load() -> PersonNameExtractor:
    names: set[str] = set(ZA_FIRST_NAMES)
    package = resources.files("names")
    for file in ("dist.male.first", "dist.female.first"):
        for line in package.joinpath(file).read_text(encoding="ascii").splitlines():
            if line.strip():
                names.add(line.split()[0].lower())
    return PersonNameExtractor(frozenset(names))
