"""The Vietnamese syllable: its letters, its tone, its skeleton, and which syllables exist.

A written syllable is an onset, a rhyme and one of six tones.  Everything the
restorer knows about a single word comes from this module:

* :func:`skeleton` — the diacritic-free form used to index the lexicon
  (``"Thường"`` → ``"thuong"``, ``"đảng"`` → ``"dang"``);
* :func:`split_tone` / :func:`place_tone` — take the tone mark off and put it
  back where a chosen *style* puts it;
* :func:`canonical` — one spelling per syllable (lowercase, tone placed in the
  ``hòa`` style), so that ``hoà`` and ``hòa`` are indexed and compared alike;
* :func:`is_valid` / :func:`all_syllables` — a phonotactic model (onset ×
  rhyme × tone with the spelling rules of the script) that says whether a
  spelling can be a Vietnamese syllable at all.

Two tone styles exist for the open rhymes ``oa``, ``oe`` and ``uy``: the mark
on the first vowel (``hòa``, ``khỏe``, ``thủy``) or on the second (``hoà``,
``khoẻ``, ``thuỷ``).  They are named here by example: ``"hòa"`` and ``"hoà"``.

>>> skeleton("Thường")
'thuong'
>>> canonical("Thuỷ")
'thủy'
>>> place_tone("hoa", HUYEN, style="hoà")
'hoà'
>>> is_valid("nghiêng"), is_valid("ngiêng")
(True, False)
"""

from __future__ import annotations

import functools
import unicodedata

# Tones, in the order the combining marks are usually listed.
NGANG, HUYEN, SAC, HOI, NGA, NANG = range(6)
TONE_MARKS = {"\u0300": HUYEN, "\u0301": SAC, "\u0309": HOI, "\u0303": NGA, "\u0323": NANG}
_MARK_OF_TONE = {tone: mark for mark, tone in TONE_MARKS.items()}

STYLES = ("hòa", "hoà")

# Vowel letters without a tone mark; the quality marks (ă â ê ô ơ ư) are part of the letter.
VOWELS = "aăâeêioôơuưy"
QUALITY_VOWELS = "ăâêôơư"
CONSONANT_LETTERS = "bcdđghklmnpqrstvx"


def _build_letter_tables() -> tuple[dict[str, tuple[str, int]], dict[tuple[str, int], str], dict[int, str]]:
    """Tables over every precomposed Vietnamese letter (both cases)."""
    untone: dict[str, tuple[str, int]] = {}
    tone_of: dict[tuple[str, int], str] = {}
    skeleton_map: dict[int, str] = {}
    for base in VOWELS + VOWELS.upper():
        for tone in range(6):
            mark = _MARK_OF_TONE.get(tone, "")
            letter = unicodedata.normalize("NFC", base + mark)
            untone[letter] = (base, tone)
            tone_of[(base, tone)] = letter
            plain = unicodedata.normalize("NFD", letter)[0]
            if letter != plain:
                skeleton_map[ord(letter)] = plain
    skeleton_map[ord("đ")] = "d"
    skeleton_map[ord("Đ")] = "D"
    return untone, tone_of, skeleton_map


_UNTONE, _TONED, _SKELETON_MAP = _build_letter_tables()
_LOWER_SKELETON_MAP = {code: ch.lower() for code, ch in _SKELETON_MAP.items()}

#: Every letter that carries a Vietnamese mark (tone or quality) or is đ/Đ.
MARKED_LETTERS = frozenset(chr(code) for code in _SKELETON_MAP)


def skeleton(word: str) -> str:
    """The lowercase, diacritic-free form of *word* (``đ`` becomes ``d``).

    Works on NFC text; other letters pass through lowercased.

    >>> skeleton("QUỐC HỘI")
    'quoc hoi'
    """
    return word.lower().translate(_LOWER_SKELETON_MAP)


def has_marks(word: str) -> bool:
    """True when *word* carries any Vietnamese mark or the letter đ.

    >>> has_marks("can"), has_marks("cần"), has_marks("dân"), has_marks("đi")
    (False, True, True, True)
    """
    return not MARKED_LETTERS.isdisjoint(word)


def split_tone(syllable: str) -> tuple[str, int]:
    """Take the tone mark off: ``("thường")`` → ``("thương", HUYEN)``.

    The quality marks (ă â ê ô ơ ư, đ) stay.  Case is kept.  A word with two
    tone marks (not a syllable) keeps the last one found.
    """
    tone = NGANG
    letters = []
    for ch in syllable:
        entry = _UNTONE.get(ch)
        if entry is None:
            letters.append(ch)
        else:
            base, letter_tone = entry
            letters.append(base)
            if letter_tone:
                tone = letter_tone
    return "".join(letters), tone


def _nucleus_span(base: str) -> tuple[int, int]:
    """Start and end (exclusive) of the vowel cluster, after the onsets ``qu`` and ``gi``."""
    lower = base.lower()
    start = 0
    if lower.startswith("qu") and len(lower) > 2 and lower[2] in VOWELS:
        start = 2
    elif lower.startswith("gi") and len(lower) > 2 and lower[2] in VOWELS:
        start = 2
    while start < len(lower) and lower[start] not in VOWELS:
        start += 1
    if start == len(lower):
        # "gì", "gìn": the i of gi carries the tone.
        if lower.startswith("gi"):
            return 1, 2
        return -1, -1
    end = start
    while end < len(lower) and lower[end] in VOWELS:
        end += 1
    return start, end


def tone_position(base: str, style: str = "hòa") -> int:
    """Index of the letter of *base* (a toneless syllable) that carries the tone.

    >>> tone_position("hoa"), tone_position("hoa", "hoà"), tone_position("nguyên")
    (1, 2, 4)
    """
    start, end = _nucleus_span(base)
    if start < 0:
        return -1
    lower = base.lower()
    cluster = lower[start:end]
    for offset in range(len(cluster) - 1, -1, -1):
        if cluster[offset] in QUALITY_VOWELS:
            return start + offset
    has_coda = end < len(lower)
    if has_coda:
        return end - 1
    if len(cluster) >= 3:
        return start + 1
    if len(cluster) == 2:
        if style == "hoà" and cluster in ("oa", "oe", "uy"):
            return start + 1
        return start
    return start


def place_tone(base: str, tone: int, style: str = "hòa") -> str:
    """Put *tone* on *base* where *style* places it (case is kept).

    >>> place_tone("thuy", HOI), place_tone("thuy", HOI, "hoà")
    ('thủy', 'thuỷ')
    """
    if tone == NGANG:
        return base
    position = tone_position(base, style)
    if position < 0:
        return base
    letter = _TONED[(base[position], tone)]
    return base[:position] + letter + base[position + 1 :]


@functools.lru_cache(maxsize=65536)
def canonical(syllable: str) -> str:
    """The one spelling used for indexing and comparing: lowercase NFC, ``hòa`` style.

    >>> canonical("HOÀ"), canonical("thuỷ"), canonical("Quốc")
    ('hòa', 'thủy', 'quốc')
    """
    base, tone = split_tone(unicodedata.normalize("NFC", syllable).lower())
    return place_tone(base, tone, "hòa")


def restyle(syllable: str, style: str) -> str:
    """*syllable* with its tone moved to where *style* puts it; case kept.

    >>> restyle("Hòa", "hoà"), restyle("THUỶ", "hòa")
    ('Hoà', 'THỦY')
    """
    base, tone = split_tone(syllable)
    return place_tone(base, tone, style)


def tone_style(syllable: str) -> str | None:
    """Which style a marked syllable is written in, or None when both agree.

    >>> tone_style("hoà"), tone_style("hòa"), tone_style("hoàn")
    ('hoà', 'hòa', None)
    """
    base, tone = split_tone(syllable)
    if tone == NGANG:
        return None
    first, second = place_tone(base, tone, "hòa"), place_tone(base, tone, "hoà")
    if first == second:
        return None
    if syllable == first:
        return "hòa"
    if syllable == second:
        return "hoà"
    return None


# ---------------------------------------------------------------------------
# Phonotactics: which toneless spellings are syllables, and which tones they take.
# ---------------------------------------------------------------------------

ONSETS = (
    "", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n",
    "ng", "ngh", "nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x",
)

# Rhymes as written after an onset other than qu/gi, grouped by nucleus.
_RHYMES_PLAIN = """
a ac ach ai am an ang anh ao ap at au ay
ăc ăm ăn ăng ăp ăt
âc âm ân âng âp ât âu ây
e ec em en eng eo ep et
ê êch êm ên ênh êp êt êu
i ia ich im in inh ip it iu
iêc iêm iên iêng iêp iêt iêu
o oc oi om on ong op ot ooc oong
ô ôc ôi ôm ôn ông ôp ôt
ơ ơi ơm ơn ơp ơt
u ua uc ui um un ung up ut
uôc uôi uôm uôn uông uôt
ư ưa ưc ưi ưm ưn ưng ưt ưu
ươc ươi ươm ươn ương ươp ươt ươu
y
oa oac oach oai oam oan oang oanh oao oap oat oay
oăc oăm oăn oăng oăt
oe oen oeo oet
uân uâng uât uây
uê uêch uênh
uy uych uyn uynh uyp uyt uya uyu uyên uyêt
uơ
""".split()

# Rhymes after qu: the u of qu is the medial, so qu + R is written wherever
# u + R or o + R is a rhyme above (quân, quốc, quy, quê, qua, que, quăn), plus these.
_RHYMES_AFTER_QU_EXTRA = "au ăp êu ên êt ơi ơn i in inh it ynh yt yêt".split()

# Rhymes with no onset where iê is written yê.
_RHYMES_NO_ONSET_EXTRA = ("yêm", "yên", "yêng", "yêt", "yêu")

# Spellings outside the rules that official place names use (Đắk Lắk, Bắc Kạn).
_PLACE_NAME_BASES = ("đăk", "lăk", "kan")

_STOP_CODAS = ("c", "ch", "p", "t")
_FRONT = ("i", "e", "ê", "y")


def _spell(onset: str, rhyme: str) -> str | None:
    """The written form of onset + rhyme, or None when the script never writes it so."""
    first = rhyme[0]
    front = first in _FRONT
    if onset in ("c", "k"):
        if (onset == "k") != front:
            return None
    if onset in ("g", "gh"):
        if (onset == "gh") != front:
            return None
    if onset in ("ng", "ngh"):
        if (onset == "ngh") != front:
            return None
    if onset == "gi":
        if rhyme.startswith("iê"):
            return "gi" + rhyme[1:]
        if first == "i":
            return "g" + rhyme
    if onset in ("c", "g", "gh") and rhyme.startswith("u") and rhyme[1:2] in ("â", "ê", "y", "ơ"):
        return None  # /kw/ is written qu; gu + â/ê/y is not written
    if onset == "" and rhyme.startswith("iê"):
        return None  # written yê
    if onset and rhyme.startswith("y") and rhyme != "y":
        return None
    return onset + rhyme


@functools.lru_cache(maxsize=1)
def _valid_bases() -> frozenset[str]:
    bases = set()
    for onset in ONSETS:
        if onset == "qu":
            for rhyme in _RHYMES_PLAIN:
                if rhyme[0] in "ou" and len(rhyme) > 1 and rhyme[1] in VOWELS:
                    bases.add("qu" + rhyme[1:])
            bases.update("qu" + rhyme for rhyme in _RHYMES_AFTER_QU_EXTRA)
            continue
        for rhyme in _RHYMES_PLAIN:
            spelled = _spell(onset, rhyme)
            if spelled:
                bases.add(spelled)
    bases.update(_RHYMES_NO_ONSET_EXTRA)
    bases.update(_PLACE_NAME_BASES)
    bases.discard("")
    return frozenset(bases)


def _takes_tone(base: str, tone: int) -> bool:
    if base.endswith(_STOP_CODAS) or base.endswith("k"):
        return tone in (SAC, NANG)
    return True


def is_valid(syllable: str) -> bool:
    """True when *syllable* (any case, any tone style) is a possible Vietnamese syllable.

    >>> is_valid("Nghĩa"), is_valid("hoà"), is_valid("ngĩa"), is_valid("tàc")
    (True, True, False, False)
    """
    word = unicodedata.normalize("NFC", syllable).lower()
    base, tone = split_tone(word)
    if base not in _valid_bases() or not _takes_tone(base, tone):
        return False
    return word in (place_tone(base, tone, "hòa"), place_tone(base, tone, "hoà"))


def all_syllables() -> list[str]:
    """Every possible syllable in canonical spelling, sorted.

    >>> len(all_syllables()) > 10000
    True
    """
    result = set()
    for base in _valid_bases():
        for tone in range(6):
            if _takes_tone(base, tone):
                result.add(place_tone(base, tone, "hòa"))
    return sorted(result)


@functools.lru_cache(maxsize=1)
def _skeletons() -> frozenset[str]:
    return frozenset(skeleton(base) for base in _valid_bases())


def is_skeleton(word: str) -> bool:
    """True when *word* is a possible syllable with its marks taken off (or a syllable itself).

    >>> is_skeleton("bien"), is_skeleton("biên"), is_skeleton("config")
    (True, True, False)
    """
    text = unicodedata.normalize("NFC", word).lower()
    return is_valid(text) or skeleton(text) in _skeletons()
