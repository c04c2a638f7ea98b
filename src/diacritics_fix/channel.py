# SPDX-License-Identifier: GPL-3.0-or-later
"""The OCR channel: how Tesseract misreads Vietnamese, and what a garbled token could have been.

Vietnamese scanned and read with Tesseract's *English* model loses most of
its marks and turns some letters into digits and symbols: ``số`` comes out as
``s6``, ``xã`` as ``x4``, ``của`` as ``cia``, ``ủy`` as ``iy``, ``ương`` as
``wong``, and now and then two words are glued (``kinhtế`` → ``kinhté``).
This module is the *noisy channel* of that process and the candidate
generator built on it:

* :class:`Channel` — a weighted edit distance whose costs are
  ``-log P(ocr characters | truth characters)``, learned from OCR pairs by
  ``scripts/build_channel.py`` and shipped as ``data/lexicon/channel.tsv``.
  Besides one-to-one substitutions, insertions and deletions it knows a few
  hundred multi-character confusions (``ữ`` → ``it``, ``đố`` → ``d6``,
  ``ườ`` → ``u@``, ``là`` → ``1a``), and how a reading depends on its
  neighbours (the ``ư`` of ``ương`` is printed ``w`` far more often than
  that of ``ưng``).  :meth:`Channel.cost` is the cheapest way of turning a
  syllable into the OCR token, ``-log P(ocr | syllable)`` under the best
  alignment; :meth:`Channel.misreadings` reads it forwards.
* :func:`ocr_candidates` — the best readings of one OCR token: syllables of
  the language model (or two syllables for a glued token), each with its
  channel log-probability.  The commonest misreadings have their readings
  precomputed in the misreading index (:mod:`diacritics_fix.misreadings`).
  Any other token is searched for, never by a scan of the lexicon: the
  channel is read backwards to spell the token as a few likely *skeletons*
  (``s6`` → ``so``, ``sit`` → ``su``), the skeletons within two deletions of
  those are found in a symmetric-delete index, and only their syllables are
  scored, best first, with a lower bound per skeleton and a cost ceiling
  cutting the search short.
* :func:`align_tokens` — lines up the tokens of an OCR line with the tokens
  of its truth line (used to learn the channel and to measure it).

>>> channel = load_channel()
>>> channel.cost("thanh", "thành") < channel.cost("thanh", "khanh")
True
>>> from diacritics_fix.model import load_model
>>> model = load_model()
>>> [model.syllables[ids[0]] for ids, _ in ocr_candidates("s6", model)][:1]
['số']

The table file is plain TSV, one rule a line: truth characters, OCR
characters, cost (natural log).  An empty field is the empty string (an
insertion or a deletion).  Rows named with angle brackets are the defaults
for anything the table does not list:

``<same> <same>``    a character read as itself;
``<mark> <mark>``    a letter read as the same base letter with other marks (ế → e);
``<other> <other>``  any other substitution;
`` <other>``         an insertion (empty truth side);
``<other> ``         a deletion (empty OCR side);
``<space> ``         the space between two syllables lost (a glued token);
`` <space>``         a space read inside one syllable (a split token).

A row with two more fields holds only between the given neighbours of its
truth characters (see :func:`context_of`): ``ư  w  0.35  ^  ơ`` is the cost
of ``ư`` printed ``w`` at the start of a syllable before ``ơ``; ``*`` stands
for any neighbour.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import heapq
import itertools
import re
import unicodedata
from pathlib import Path
from typing import Iterable, Mapping, NamedTuple

from rapidfuzz.distance import Levenshtein
from unidecode import unidecode

from .model import Model, data_dir
from .syllable import canonical, is_valid, restyle, skeleton, split_tone

SAME, MARK, OTHER, SPACE = "<same>", "<mark>", "<other>", "<space>"
# Context of a rule: any neighbour, the start or the end of the syllable.
ANY, WORD_START, WORD_END = "*", "^", "$"
INF = float("inf")

# Characters that surround a word in OCR output without standing for a letter
# of it; a token's *core* is what remains once they are stripped from both ends.
EDGE_PUNCTUATION = ".,;:!\"'“”‘’()[]{}«»-–—…_*"
# Symbols that, printed alone or inside a word, stand for a letter far more
# often than for themselves in OCR output (``@`` for ``ở``, ``¢`` for ``ơ``).
LETTER_SYMBOLS = frozenset("@&¢§¥€®£©")
# What marks a token as a code, a reference or a measurement, never a garbled
# word: a slash, brackets, an equals sign, or digits on both sides of a separator.
_CODE = re.compile(r"[/\\\[\]=]|\d[.,:-]\d")

# Symmetric-delete search: the index holds each skeleton with up to
# MAX_DELETIONS letters deleted, and a token's spelling may reach a skeleton
# with at most MAX_EDITS deletions counted on both sides (a substitution is
# one on each side).  Each deletion adds DELETION_ESTIMATE to the quick estimate.
MAX_DELETIONS = 2
MAX_EDITS = 2
DELETION_ESTIMATE = 1.5


class SearchWidth(NamedTuple):
    """How widely a token is searched for (see :meth:`CandidateIndex.search`)."""

    #: Skeleton spellings of the token kept by the reverse-channel beam ...
    spellings: int
    #: ... and how much costlier than the best one they may be.
    spelling_margin: float
    #: Skeleton readings of each OCR piece tried by the beam.
    piece_choices: int
    #: Skeletons (the likeliest by a quick estimate) whose syllables are scored by the channel.
    skeletons: int


#: At run time, for a token the misreading index lacks: the truth is among the
#: skeletons in nearly every case, and a lookup stays cheap.
NARROW = SearchWidth(spellings=8, spelling_margin=6.0, piece_choices=4, skeletons=24)
#: Building the misreading index: on the poor pairs of a tune fold, the
#: truth is among the first eight readings of 1.5% more tokens, for 3.5
#: times the work.
WIDE = SearchWidth(spellings=64, spelling_margin=14.0, piece_choices=8, skeletons=128)
# Readings are ranked by channel cost plus this weight times -log P(syllable)
# (see CandidateIndex.syllable_readings); tuned on the tune split.
PRIOR = 1.0
# No reading costs more than this (-log P of the OCR token given the
# syllable): in the tune pairs, 99.4% of poor-level truths and 99.9% of
# scan-level ones cost less, and a token none of whose readings is cheaper
# (an acronym, a code, a foreign word) is found so at once, not after a
# search of every near skeleton.
CEILING = 20.0
#: The readings of at most this many tokens are kept (CandidateIndex.readings), and the costs of
#: at most MAX_MEMO (token, syllable) pairs (Channel.cost).
MAX_MEMO = 100_000
MAX_CACHED_TOKENS = 20_000
# For a glued token, each half keeps this many readings.
GLUED_CHOICES = 5
# A token of digits alone is read as a syllable only up to this length (when asked).
MAX_DIGIT_READING = 2
# The longest token core read as one syllable, and as two glued ones: in the
# tune pairs, no syllable was printed in more than 9 characters (66 in 8, of
# 385,000), two glued ones hardly ever in more than 16.  Longer tokens (runs
# of dots, codes, words of other languages) get no reading and stay as written.
MAX_SYLLABLE_CORE = 9
MAX_GLUED_CORE = 16


def context_letter(ch: str) -> str:
    """How a neighbour counts as context: the letter without its tone (``ừ`` → ``ư``, ``ế`` → ``ê``).

    >>> context_letter("ừ"), context_letter("ộ"), context_letter("n")
    ('ư', 'ô', 'n')
    """
    return split_tone(ch)[0]


def context_of(truth: str, start: int, end: int) -> tuple[str, str]:
    """The neighbours of ``truth[start:end]`` as context: letters without tone, WORD_START or WORD_END.

    >>> context_of("trường", 2, 3), context_of("trường", 0, 1), context_of("trường", 5, 6)
    (('r', 'ơ'), ('^', 'r'), ('n', '$'))
    """
    left = context_letter(truth[start - 1]) if start > 0 else WORD_START
    right = context_letter(truth[end]) if end < len(truth) else WORD_END
    return left, right


def base_letter(ch: str) -> str:
    """The letter without its marks (``ế`` → ``e``, ``đ`` → ``d``); other characters unchanged.

    >>> base_letter("ế"), base_letter("é"), base_letter("6")
    ('e', 'e', '6')
    """
    folded = skeleton(ch)
    if folded == ch and not ch.isascii() and ch.isalpha():
        folded = unidecode(ch).lower()[:1] or ch
    return folded


def token_core(token: str) -> str:
    """The part of an OCR token that may be letters, as the channel reads it.

    NFC, edge punctuation stripped, lowercase, except that a capital ``I``
    inside a word that is not all capitals stays ``I``: there it is nearly
    always a misread ``l`` (``Igi`` for ``lợi``), and the channel knows it so.

    >>> token_core("(Thanh,"), token_core("s6:"), token_core("Igi"), token_core("CHI")
    ('thanh', 's6', 'Igi', 'chi')
    """
    text = unicodedata.normalize("NFC", token).strip(EDGE_PUNCTUATION)
    if "I" not in text or text.isupper():
        return text.lower()
    return "".join(ch if ch == "I" else ch.lower() for ch in text)


def is_readable(core: str, numbers: bool = False) -> bool:
    """Whether a token core can be a garbled word: it has a letter or a letter-like symbol.

    A run of digits (``46`` for ``độ``) counts only with *numbers* and when short.

    A code or a measurement (``24-CT/TW``, ``2,5m``, ``a)[11]``) is never a word.

    >>> is_readable("s6"), is_readable("@"), is_readable("2019"), is_readable("46", numbers=True)
    (True, True, False, True)
    >>> is_readable("15/ct-ttg"), is_readable("2,5m")
    (False, False)
    """
    if _CODE.search(core):
        return False
    if any(ch.isalpha() or ch in LETTER_SYMBOLS for ch in core):
        return True
    return numbers and core.isdigit() and len(core) <= MAX_DIGIT_READING


class Channel:
    """A learned weighted edit distance from truth syllables to OCR tokens.

    *rules* maps ``(truth_chars, ocr_chars)`` to a cost (``-log`` probability);
    the angle-bracket names of the module docstring give the defaults.
    *contexts* maps ``(truth_chars, ocr_chars, left, right)`` to the cost of
    the same reading when the truth characters stand between those
    neighbours (see :func:`context_of`; :data:`ANY` matches every
    neighbour): Tesseract prints the ``ư`` of ``ưng`` otherwise than that
    of ``ưu``.  The most specific rule applies: both neighbours, then the
    right one, then the left one, then none.

    >>> ch = Channel({("ố", "6"): 1.0, (SAME, SAME): 0.1, (MARK, MARK): 2.0, (OTHER, OTHER): 8.0})
    >>> ch.cost("s6", "số"), ch.cost("so", "số"), ch.cost("sa", "số")
    (1.1, 2.1, 8.1)
    >>> ch = Channel({("ư", "u"): 0.5, (SAME, SAME): 0.25}, {("ư", "u", ANY, "n"): 3.0})
    >>> ch.cost("tu", "tư"), ch.cost("tung", "tưng")
    (0.75, 3.75)
    """

    def __init__(self, rules: Mapping[tuple[str, str], float],
                 contexts: Mapping[tuple[str, str, str, str], float] | None = None) -> None:
        rules = dict(rules)
        self.same = rules.pop((SAME, SAME), 0.05)
        self.mark = rules.pop((MARK, MARK), 3.0)
        self.other = rules.pop((OTHER, OTHER), 9.0)
        self.insertion = rules.pop(("", OTHER), 8.0)
        self.deletion = rules.pop((OTHER, ""), 8.0)
        self.glue = rules.pop((SPACE, ""), 6.0)
        self.split = rules.pop(("", SPACE), 6.0)
        self.rules = rules
        self.contexts = dict(contexts or {})
        #: SHA-256 of the table file it was read from (None when built in memory).
        self.digest: str | None = None
        by_truth: dict[str, dict[str, float]] = {}
        for (truth, ocr), cost in sorted(rules.items()):
            by_truth.setdefault(truth, {})[ocr] = cost
        self._insert = by_truth.pop("", {})
        self._by_truth = by_truth
        # Context rules by (truth chars, left, right); the truth sides that have any.
        self._in_context: dict[tuple[str, str, str], dict[str, float]] = {}
        for (truth, ocr, left, right), cost in sorted(self.contexts.items()):
            self._in_context.setdefault((truth, left, right), {})[ocr] = cost
        self._context_truths = frozenset(truth for truth, _, _ in self._in_context)
        self._rules_at_memo: dict[tuple[str, str, str], dict[str, float]] = {}
        every = list(rules) + [(t, o) for t, o, _, _ in self.contexts]
        self._max_ocr = max([len(o) for _, o in every] + [1])
        self._max_truth = max([len(t) for t, _ in every] + [1])
        self._singles: dict[tuple[str, str], float] = {}
        self._memo: dict[tuple[str, str], float] = {}
        self._floors: dict[tuple[str, str], float] = {}
        self._ocr_plans: dict[str, tuple] = {}
        self._syllable_plans: dict[str, tuple] = {}
        self._other_styles: dict[str, str] = {}
        self._skeleton_channel: Channel | None = None
        self._reverse = self._reverse_table()
        #: OCR characters that most often stand for a vowel (a, é, 6, @, ...).
        self.vowel_like = frozenset(
            ocr for ocr, choices in self._reverse.items()
            if len(ocr) == 1 and choices and choices[0][0][:1] in "aeiouy"
        ) | frozenset("aeiouy")

    @classmethod
    def read(cls, path: str | Path) -> "Channel":
        """Load a table written by ``scripts/build_channel.py``."""
        rules, contexts = {}, {}
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("#") or not line.strip("\n"):
                    continue
                fields = line.rstrip("\n").split("\t")
                if len(fields) == 5:
                    truth, ocr, cost, left, right = fields
                    contexts[(truth, ocr, left, right)] = float(cost)
                else:
                    truth, ocr, cost = fields
                    rules[(truth, ocr)] = float(cost)
        channel = cls(rules, contexts)
        channel.digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        return channel

    def all_rules(self) -> Iterable[tuple[str, str, float]]:
        """Every rule, with and without context, as (truth chars, OCR chars, cost)."""
        for (truth, ocr), cost in self.rules.items():
            yield truth, ocr, cost
        for (truth, ocr, _, _), cost in self.contexts.items():
            yield truth, ocr, cost

    def rules_at(self, truth: str, left: str, right: str) -> dict[str, float]:
        """The readings of *truth* (with their costs) between the neighbours *left* and *right*.

        >>> ch = Channel({("ư", "u"): 0.5, ("ư", "w"): 2.0}, {("ư", "u", ANY, "n"): 3.0})
        >>> ch.rules_at("ư", "t", "n"), ch.rules_at("ư", "t", "u")
        ({'u': 3.0, 'w': 2.0}, {'u': 0.5, 'w': 2.0})
        """
        base = self._by_truth.get(truth, {})
        if truth not in self._context_truths:
            return base
        key = (truth, left, right)
        found = self._rules_at_memo.get(key)
        if found is None:
            found = dict(base)
            for side in ((truth, left, ANY), (truth, ANY, right), (truth, left, right)):
                found.update(self._in_context.get(side, {}))
            self._rules_at_memo[key] = found
        return found

    # -- scoring ---------------------------------------------------------------

    def single(self, truth: str, ocr: str) -> float:
        """Cost of one truth character read as one OCR character (``ocr`` may be empty)."""
        found = self._by_truth.get(truth, {}).get(ocr)
        if found is not None:
            return found
        if not ocr:
            return self.deletion
        if not truth:
            return self._insert.get(ocr, self.insertion)
        return self._single_default(truth, ocr)

    def _single_default(self, truth: str, ocr: str) -> float:
        found = self._singles.get((truth, ocr))
        if found is None:
            if truth == ocr:
                found = self.same
            elif truth.isalpha() and ocr.isalpha() and base_letter(truth) == base_letter(ocr):
                found = self.mark
            else:
                found = self.other
            self._singles[(truth, ocr)] = found
        return found

    def _ocr_plan(self, ocr: str) -> tuple:
        """Per position of the OCR token: its substrings, and the insertions starting there."""
        plan = self._ocr_plans.get(ocr)
        if plan is None:
            m = len(ocr)
            grams, inserts = [], []
            for j in range(m + 1):
                top = min(self._max_ocr, m - j)
                grams.append(tuple(ocr[j:j + length] for length in range(top + 1)))
                moves = []
                for length in range(1, top + 1):
                    piece = ocr[j:j + length]
                    cost = self._insert.get(piece)
                    if cost is None and length == 1:
                        cost = self.insertion
                    if cost is not None:
                        moves.append((j + length, cost))
                inserts.append(tuple(moves))
            if len(self._ocr_plans) > 50_000:
                self._ocr_plans.clear()
            plan = self._ocr_plans[ocr] = (tuple(grams), tuple(inserts))
        return plan

    def _syllable_plan(self, syllable: str) -> tuple:
        """Per position of the syllable: the rules whose truth side starts there (in its context)."""
        plan = self._syllable_plans.get(syllable)
        if plan is None:
            steps = []
            n = len(syllable)
            for i, ch in enumerate(syllable):
                moves = [(1, self.rules_at(ch, *context_of(syllable, i, i + 1)), ch)]
                for length in range(2, min(self._max_truth, n - i) + 1):
                    rules = self.rules_at(syllable[i:i + length], *context_of(syllable, i, i + length))
                    if rules:
                        moves.append((length, rules, None))
                steps.append(tuple(moves))
            if len(self._syllable_plans) > 50_000:
                self._syllable_plans.clear()
            plan = self._syllable_plans[syllable] = tuple(steps)
        return plan

    def _distance(self, ocr: str, truth: str, bound: float) -> float:
        """The DP: cheapest cost of reading *truth* as *ocr*, or INF once it must exceed *bound*."""
        grams, inserts = self._ocr_plan(ocr)
        steps = self._syllable_plan(truth)
        m, n = len(ocr), len(truth)
        table = [[INF] * (m + 1) for _ in range(n + 1)]
        table[0][0] = 0.0
        deletion, default = self.deletion, self._single_default
        # Costs are never negative: a cell already dearer than the bound leads nowhere.
        cut = bound if bound < INF else 1e300
        for i in range(n + 1):
            row = table[i]
            moves = steps[i] if i < n else ()
            for j in range(m + 1):
                value = row[j]
                if value > cut:
                    continue
                # Insertions stay in this row; j grows, so chains are seen in order.
                for target, cost in inserts[j]:
                    if value + cost < row[target]:
                        row[target] = value + cost
                for length, rules, letter in moves:
                    target_row = table[i + length]
                    for width, piece in enumerate(grams[j]):
                        cost = rules.get(piece)
                        if cost is None:
                            if letter is None or width > 1:
                                continue
                            cost = deletion if width == 0 else default(letter, piece)
                        total = value + cost
                        if total < target_row[j + width]:
                            target_row[j + width] = total
            # Every path to the end passes through this row or jumps over it into
            # one of the next (truth sides are short): their minimum bounds it.
            if i < n and min(row) > bound and all(min(r) > bound for r in table[i + 1:i + self._max_truth]):
                return INF
        # Above the bound the value may miss a pruned cheaper path: only "more than the bound" is known.
        return table[n][m] if table[n][m] <= cut else INF

    def cost(self, ocr: str, syllable: str, bound: float = INF) -> float:
        """``-log P(ocr | syllable)`` under the best alignment; both lowercase NFC.

        Either tone placement of the syllable may have been printed (``hòa``
        or ``hoà``); the cheaper counts.  With *bound*, a cost above it may be
        returned as ``inf`` (the search stops early).  Results are memoised.

        >>> channel = load_channel()
        >>> channel.cost("é", "ế") < channel.cost("o", "ế")
        True
        """
        key = (ocr, syllable)
        found = self._memo.get(key)
        if found is not None:
            return found
        if self._floors.get(key, -1.0) >= bound:
            return INF  # an earlier search already proved it costs more than this
        value = self._distance(ocr, syllable, bound)
        other_style = self._other_styles.get(syllable)
        if other_style is None:
            other_style = self._other_styles[syllable] = restyle(syllable, "hoà")
        if other_style != syllable:
            value = min(value, self._distance(ocr, other_style, min(bound, value)))
        if len(self._memo) > MAX_MEMO or len(self._floors) > MAX_MEMO:
            self._memo.clear()
            self._floors.clear()
        if value < INF:
            self._memo[key] = value
        else:
            self._floors[key] = bound  # the search was cut off: all we know is cost > bound
        return value

    def misreadings(self, syllable: str, budget: float, limit: int = 1000) -> list[tuple[str, float]]:
        """What the OCR likely prints for *syllable*: strings costing at most *budget*, cheapest first.

        The channel read forwards: each truth piece becomes one of its listed
        readings (or itself, if the OCR ever prints that character), best
        first, at most *limit* strings.  Inserted characters and unlisted
        substitutions are not generated (they are dear).
        A string's cost here may exceed :meth:`cost` (which also finds such
        paths); both tone placements of the syllable are tried.

        >>> "cia" in [text for text, _ in load_channel().misreadings("của", 6.0)][:3]
        True
        """
        best: dict[str, float] = {}
        for styled in {syllable, restyle(syllable, "hoà")}:
            steps = self._syllable_plan(styled)
            n = len(styled)
            queue = [(0.0, 0, "")]
            seen: dict[tuple[int, str], float] = {}
            found = 0
            while queue and found < limit:
                cost, i, text = heapq.heappop(queue)
                if i == n:
                    if cost < best.get(text, INF):
                        best[text] = cost
                    found += 1
                    continue
                if seen.get((i, text), INF) < cost:
                    continue
                for length, rules, letter in steps[i]:
                    moves = list(rules.items())
                    if letter is not None and letter not in rules and letter in self._reverse:
                        moves.append((letter, self.same))
                    for piece, step in moves:
                        total = cost + step
                        key = (i + length, text + piece)
                        if total <= budget and total < seen.get(key, INF):
                            seen[key] = total
                            heapq.heappush(queue, (total, i + length, text + piece))
        ranked = sorted(best.items(), key=lambda item: (item[1], item[0]))
        return [(text, cost) for text, cost in ranked[:limit] if text]

    def align(self, ocr: str, truth: str) -> tuple[float, list[tuple[str, str]]]:
        """The cheapest alignment: its cost and its steps ``(truth_chars, ocr_chars)``, in order.

        Used to learn the table; any strings will do (they are not checked as syllables).

        >>> Channel({(SAME, SAME): 0.1, (MARK, MARK): 1.0}).align("cia", "của")[1]
        [('c', 'c'), ('ủ', 'i'), ('a', 'a')]
        """
        grams, inserts = self._ocr_plan(ocr)
        steps = self._syllable_plan(truth)
        m, n = len(ocr), len(truth)
        table = [[INF] * (m + 1) for _ in range(n + 1)]
        back: list[list[tuple | None]] = [[None] * (m + 1) for _ in range(n + 1)]
        table[0][0] = 0.0
        for i in range(n + 1):
            row = table[i]
            moves = steps[i] if i < n else ()
            for j in range(m + 1):
                value = row[j]
                if value == INF:
                    continue
                for target, cost in inserts[j]:
                    if value + cost < row[target]:
                        row[target] = value + cost
                        back[i][target] = (i, j, "", ocr[j:target])
                for length, rules, letter in moves:
                    for width, piece in enumerate(grams[j]):
                        cost = rules.get(piece)
                        if cost is None:
                            if letter is None or width > 1:
                                continue
                            cost = self.deletion if width == 0 else self._single_default(letter, piece)
                        total = value + cost
                        if total < table[i + length][j + width]:
                            table[i + length][j + width] = total
                            back[i + length][j + width] = (i, j, truth[i:i + length], piece)
        steps_taken = []
        i, j = n, m
        while (i, j) != (0, 0):
            pi, pj, truth_chars, ocr_chars = back[i][j]
            steps_taken.append((truth_chars, ocr_chars))
            i, j = pi, pj
        steps_taken.reverse()
        return table[n][m], steps_taken

    @property
    def skeleton_channel(self) -> "Channel":
        """A channel over skeletons whose cost never exceeds this one's for any syllable of the skeleton.

        Each rule of a skeleton is the cheapest of the rules of the letters
        that share it (and never dearer than the default those letters would
        get), so ``skeleton_channel.cost(ocr, skeleton(s)) <= cost(ocr, s)``:
        a lower bound that rules out a whole skeleton with one search.
        """
        if self._skeleton_channel is None:
            relaxed: dict[tuple[str, str], float] = {}
            for truth, ocr, cost in self.all_rules():
                base = "".join(base_letter(ch) for ch in truth)
                if len(truth) == 1:
                    # A letter of the family without this rule would get the default.
                    cost = min(cost, self.deletion if not ocr else self._class_default(base, ocr))
                key = (base, ocr)
                relaxed[key] = min(relaxed.get(key, INF), cost)
            same = min(self.same, self.mark)
            relaxed.update({
                (SAME, SAME): same, (MARK, MARK): same, (OTHER, OTHER): self.other,
                ("", OTHER): self.insertion, (OTHER, ""): self.deletion,
                (SPACE, ""): self.glue, ("", SPACE): self.split,
            })
            self._skeleton_channel = Channel(relaxed)
        return self._skeleton_channel

    def _class_default(self, base: str, ocr: str) -> float:
        """The cheapest default any letter of *base* could get when read as *ocr*."""
        if len(ocr) != 1:
            return INF
        if base_letter(ocr) == base:
            return min(self.same, self.mark)
        return self.other

    # -- the channel read backwards -------------------------------------------

    def _reverse_table(self) -> dict[str, list[tuple[str, float]]]:
        """For each OCR piece: the skeleton pieces it may stand for, cheapest first."""
        options: dict[str, dict[str, float]] = {}
        for truth, ocr, cost in self.all_rules():
            if truth and not truth.isalpha():
                continue
            letters = options.setdefault(ocr, {})
            base = "".join(base_letter(ch) for ch in truth)
            letters[base] = min(letters.get(base, INF), cost)
        for ocr in list(options):
            if len(ocr) == 1 and ocr.isalpha():  # a letter may always be itself
                letters = options[ocr]
                letters[base_letter(ocr)] = min(letters.get(base_letter(ocr), INF), self.same)
        table = {}
        for ocr, letters in options.items():
            if not ocr:
                continue  # a truth letter the OCR lost is left to the deletion search
            ranked = sorted(letters.items(), key=lambda item: (item[1], item[0]))
            best = ranked[0][1]
            table[ocr] = [(base, cost) for base, cost in ranked if cost <= best + WIDE.spelling_margin]
        return table

    def spellings(self, core: str, width: SearchWidth = NARROW) -> list[tuple[str, float]]:
        """Skeletons the token core may spell, with the cost of reading it so, cheapest first.

        The channel read backwards: every piece of the token is replaced by
        the skeleton pieces it most often stands for (``6`` → ``o``, ``it`` →
        ``u`` as in ``ử`` → ``it``, ``d`` → ``o`` or ``d``), keeping the
        cheapest few results (a beam).

        >>> [s for s, _ in load_channel().spellings("s6")][:1]
        ['so']
        """
        m = len(core)
        reverse = self._reverse
        beams: list[dict[str, float]] = [{} for _ in range(m + 1)]
        beams[0][""] = 0.0
        choices_kept, piece_margin = width.piece_choices, width.spelling_margin
        for j in range(m):
            states = sorted(beams[j].items(), key=lambda item: (item[1], item[0]))[:width.spellings * 2]
            if not states:
                continue
            for length in range(1, min(self._max_ocr, m - j) + 1):
                piece = core[j:j + length]
                choices = reverse.get(piece)
                if choices is not None:
                    choices = [c for c in choices[:choices_kept] if c[1] <= choices[0][1] + piece_margin]
                else:
                    if length > 1:
                        continue
                    plain = base_letter(piece)
                    if plain.isalpha():
                        choices = [(plain, self.same)]
                    else:  # a stray mark: read as nothing
                        choices = [("", self._insert.get(piece, self.insertion))]
                target = beams[j + length]
                for text, cost in states:
                    for base, step in choices:
                        key, total = text + base, cost + step
                        if total < target.get(key, INF):
                            target[key] = total
        ranked = sorted(beams[m].items(), key=lambda item: (item[1], item[0]))
        if not ranked:
            return []
        cut = ranked[0][1] + width.spelling_margin
        return [(text, cost) for text, cost in ranked[:width.spellings] if cost <= cut and text]


@functools.lru_cache(maxsize=4)
def load_channel(path: str | None = None) -> Channel:
    """The shipped channel (``data/lexicon/channel.tsv``), loaded once per process."""
    table = Path(path) if path else data_dir() / "lexicon" / "channel.tsv"
    if not table.exists():
        raise FileNotFoundError(f"{table}: no channel table (build it with scripts/build_channel.py)")
    return Channel.read(table)


# ---------------------------------------------------------------------------
# Candidates
# ---------------------------------------------------------------------------


def _deletions(word: str, depth: int) -> dict[str, int]:
    """*word* and every string made from it by deleting up to *depth* characters,
    each with the fewest deletions that make it."""
    found = {word: 0}
    frontier = {word}
    for count in range(1, depth + 1):
        frontier = {w[:k] + w[k + 1:] for w in frontier for k in range(len(w))}
        for variant in frontier:
            found.setdefault(variant, count)
    return found


class CandidateIndex:
    """The syllables of one model, indexed by skeleton neighbourhood, with a cache per token.

    Built once per model (see :func:`candidate_index`); building takes a
    fraction of a second.  *prior* weighs the syllables' rarity in the
    ranking (see :meth:`syllable_readings`).  Safe to share between threads:
    the worst a race does is compute a reading twice.
    """

    def __init__(self, model: Model, channel: Channel, prior: float = PRIOR) -> None:
        self.model = model
        self.channel = channel
        self.size = len(model.syllables)
        # Only syllables that can be written are readings (the model also
        # holds the number stand-in and odd phrase parts).
        self.by_skeleton: dict[str, list[int]] = {}
        for skel, ids in model.by_skeleton.items():
            valid = [sid for sid in ids if is_valid(model.syllables[sid])]
            if valid:
                self.by_skeleton[skel] = valid
        # Symmetric-delete index: for k deletions, the strings that deleting k
        # letters from a skeleton makes, each with the skeletons that make it.
        self.deletions: list[dict[str, list[str]]] = [{} for _ in range(MAX_DELETIONS + 1)]
        for skel in sorted(self.by_skeleton):
            for variant, count in _deletions(skel, MAX_DELETIONS).items():
                self.deletions[count].setdefault(variant, []).append(skel)
        self.prior = prior
        # What a syllable's rarity adds to its rank: prior · -log P(syllable) ≥ 0.
        self.penalty = [-prior * min(logp, 0.0) for logp in model.logp]
        self.skeleton_penalty = {skel: self.penalty[ids[0]] for skel, ids in self.by_skeleton.items()}
        self._cache: dict[tuple[str, int, bool], list[tuple[tuple[int, ...], float]]] = {}
        self.max_cache = MAX_CACHED_TOKENS  # (a worker process keeps a share: see Restorer.share_caches)
        # The misreading index, opened on first use (False: not yet looked at;
        # None: none fits), and the syllables whose readings it cannot rank.
        self._misreadings = False
        self._changed: frozenset[int] = frozenset()
        self._changed_by_skeleton: dict[str, list[int]] = {}

    def skeletons_near(self, core: str, width: SearchWidth = NARROW) -> list[str]:
        """Skeletons the token core may stand for, likeliest first (at most ``width.skeletons``).

        Each skeleton within MAX_EDITS deletions (counted on both sides) of one
        of the token's :meth:`Channel.spellings` gets a quick estimate: the
        spelling's cost, a flat charge per deletion, and the rarity of its
        commonest syllable.
        """
        estimate: dict[str, float] = {}
        index = self.deletions
        for text, cost in self.channel.spellings(core, width):
            for deleted, own in _deletions(text, MAX_EDITS).items():
                for theirs in range(0, min(MAX_EDITS - own, MAX_DELETIONS) + 1):
                    skeletons = index[theirs].get(deleted)
                    if not skeletons:
                        continue
                    guess = cost + DELETION_ESTIMATE * (own + theirs)
                    for skel in skeletons:
                        if guess < estimate.get(skel, INF):
                            estimate[skel] = guess
        rarity = self.skeleton_penalty
        return heapq.nsmallest(width.skeletons, estimate, key=lambda s: (estimate[s] + rarity[s], s))

    def syllable_readings(self, core: str, limit: int) -> list[tuple[int, float]]:
        """The *limit* best single syllables for a token core, as (id, channel cost), best first.

        Best means lowest ``rank = cost + prior · -log P(syllable)``: the
        channel alone cannot tell ``hội`` from the rare ``hời`` in ``hdi``, and
        a short list must keep the readings a decoder is likely to want.
        The commonest misreadings have their readings in the misreading index
        (:mod:`diacritics_fix.misreadings`); any other token is searched for
        (:meth:`search`).  The token as written comes last when it is a
        syllable the list lacks.
        """
        found = self._indexed(core, limit)
        if found is None:
            found = self.search(core, limit)
        result = [(sid, cost) for _, cost, sid in found]
        # The token as written is always a reading when it is a syllable.
        if is_valid(core):
            sid = self.model.id_of.get(canonical(core))
            if sid is not None and all(sid != s for s, _ in result):
                result.append((sid, self.channel.cost(core, self.model.syllables[sid])))
        return result

    def search(self, core: str, limit: int, width: SearchWidth = NARROW,
               by_skeleton: dict[str, list[int]] | None = None) -> list[tuple[float, float, int]]:
        """The *limit* best readings (rank, cost, id) among the syllables of the shortlisted skeletons.

        A best-first search over the likeliest skeletons (:meth:`skeletons_near`;
        *width* says how many): a skeleton waits in the queue under the rank
        its commonest syllable would have if read perfectly; once popped, one
        search of the skeleton channel gives a lower bound for all its
        syllables, which then wait under bound plus their own rarity.  The
        search stops when nothing waiting can beat the *limit*-th reading
        found, so few syllables need a full search.  No reading costs more
        than CEILING.  *by_skeleton* restricts it to some syllables (ids
        commonest first).
        """
        cost_of = self.channel.cost
        bound_of = self.channel.skeleton_channel.cost
        syllables, penalty = self.model.syllables, self.penalty
        by_skeleton = self.by_skeleton if by_skeleton is None else by_skeleton
        # Queue entries: (key, skeleton order, position in the skeleton's ids or -1, skeleton).
        queue = [
            (penalty[by_skeleton[skel][0]], order, -1, skel)
            for order, skel in enumerate(self.skeletons_near(core, width)) if skel in by_skeleton
        ]
        heapq.heapify(queue)
        lower: dict[str, float] = {}
        found: list[tuple[float, float, int]] = []  # (rank, cost, id), sorted
        worst = INF
        while queue:
            key, order, position, skel = heapq.heappop(queue)
            if key >= worst:
                break
            ids = by_skeleton[skel]  # commonest first: penalties grow
            if position < 0:
                lower[skel] = bound_of(core, skel, min(worst - key, CEILING))
                heapq.heappush(queue, (lower[skel] + key, order, 0, skel))
                continue
            if position + 1 < len(ids):
                heapq.heappush(queue, (lower[skel] + penalty[ids[position + 1]], order, position + 1, skel))
            sid = ids[position]
            cost = cost_of(core, syllables[sid], min(worst - penalty[sid], CEILING))
            rank = cost + penalty[sid]
            if rank < worst:
                bisect.insort(found, (rank, cost, sid))
                if len(found) >= limit:
                    del found[limit:]
                    worst = found[-1][0]
        return found

    def _indexed(self, core: str, limit: int) -> list[tuple[float, float, int]] | None:
        """The best readings (rank, cost, id) from the misreading index, or None when it cannot give them."""
        if self._misreadings is False:
            from .misreadings import shipped_index

            self.use_misreadings(shipped_index())
        index = self._misreadings
        if index is None or limit > index.depth:
            return None
        stored = index.get(core)
        if stored is None:
            return None
        penalty = self.penalty
        if not self._changed:
            return [(cost + penalty[sid], cost, sid) for sid, cost in stored[:limit]]
        # A user model or lexicon changed some syllables: the index ranks the
        # others; the changed ones are searched for and merged in.
        changed = self._changed
        kept = [(cost + penalty[sid], cost, sid) for sid, cost in stored if sid not in changed]
        if len(kept) < limit and len(stored) == index.depth:
            return None  # too few left to be sure of the best: search them all
        return sorted(kept + self.search(core, limit, by_skeleton=self._changed_by_skeleton))[:limit]

    def clear_caches(self) -> None:
        """Forget every reading and channel cost computed so far (to time lookups from cold)."""
        self._cache.clear()
        for channel in (self.channel, self.channel.skeleton_channel):
            channel._memo.clear()
            channel._floors.clear()

    def use_misreadings(self, index) -> bool:
        """Take readings from this :class:`~diacritics_fix.misreadings.MisreadingIndex` (None: search them all).

        Returns False, and searches everything, when the index was built for
        other syllables or another channel, or when a user model changed the
        ranking of too many syllables; a few changed or added syllables are
        searched for and merged with the index's readings (see :meth:`_indexed`).
        """
        from .misreadings import MAX_CHANGED

        self._misreadings = None  # until all is ready: threads meanwhile search
        if index is None or not index.fits(self.model.syllables, self.channel.digest, self.prior):
            return False
        changed = set(index.changed(self.penalty))
        changed.update(sid for ids in self.by_skeleton.values() for sid in ids if sid >= index.vocabulary)
        if len(changed) > MAX_CHANGED:
            return False  # a different model, in effect
        by_skeleton = {}
        for skel, ids in self.by_skeleton.items():
            mine = [sid for sid in ids if sid in changed]
            if mine:
                by_skeleton[skel] = mine
        self._changed, self._changed_by_skeleton = frozenset(changed), by_skeleton
        self._misreadings = index
        return True

    def readings(self, token: str, limit: int = 8, numbers: bool = False) -> list[tuple[tuple[int, ...], float]]:
        """See :func:`ocr_candidates`."""
        key = (token, limit, numbers)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        core = token_core(token)
        result: list[tuple[tuple[int, ...], float]] = []
        if len(core) <= MAX_GLUED_CORE and is_readable(core, numbers):
            penalty = self.penalty
            singles = self.syllable_readings(core, limit) if len(core) <= MAX_SYLLABLE_CORE else []
            scored = [(cost + penalty[sid], cost, (sid,)) for sid, cost in singles]
            scored.sort()
            if len(core) >= 4 and (not scored or scored[0][1] > self.channel.glue):
                worst = scored[limit - 1][0] if len(scored) >= limit else INF
                scored.extend(self._glued_readings(core, worst))
                scored.sort()
            as_written = self.model.id_of.get(canonical(core)) if is_valid(core) else None
            result = [(ids, -cost) for _, cost, ids in scored[:limit]]
            # The token as written survives the cut (see syllable_readings).
            result += [(ids, -cost) for _, cost, ids in scored[limit:] if ids == (as_written,)]
        if len(self._cache) > self.max_cache:
            self._cache.clear()
        self._cache[key] = result
        return result

    def single_costs(self, token: str, limit: int) -> list[float]:
        """The channel costs of the *limit* best one-syllable readings of *token* (no glued ones:
        enough to tell whether it looks like a misread syllable, at a fraction of the cost)."""
        core = token_core(token)
        if len(core) > MAX_SYLLABLE_CORE or not is_readable(core):
            return []
        return [cost for _, cost in self.syllable_readings(core, limit)]

    def _glued_readings(self, core: str, worst: float) -> list[tuple[float, float, tuple[int, ...]]]:
        """Two-syllable readings (rank, cost, ids) of a token that may be two words printed as one."""
        found = []
        glue = self.channel.glue
        penalty = self.penalty
        vowels = self.channel.vowel_like
        for cut in range(2, len(core) - 1):
            left, right = core[:cut], core[cut:]
            if len(left) > MAX_SYLLABLE_CORE or len(right) > MAX_SYLLABLE_CORE:
                continue
            # Each half of two syllables has a vowel (or something printed for one).
            if not any(ch in vowels or base_letter(ch) in "aeiouy" for ch in left):
                continue
            if not any(ch in vowels or base_letter(ch) in "aeiouy" for ch in right):
                continue
            if not is_readable(left) or not is_readable(right):
                continue
            lefts = self.syllable_readings(left, GLUED_CHOICES)
            if not lefts:
                continue
            rights = self.syllable_readings(right, GLUED_CHOICES)
            for (a, ca), (b, cb) in itertools.product(lefts, rights):
                cost = ca + cb + glue
                rank = cost + penalty[a] + penalty[b]
                if rank < worst:
                    found.append((rank, cost, (a, b)))
        return found


_INDEXES: dict[int, CandidateIndex] = {}


def candidate_index(model: Model, channel: Channel | None = None) -> CandidateIndex:
    """The index for *model* (built on first use, rebuilt if the model gained syllables)."""
    index = _INDEXES.get(id(model))
    if index is None or index.model is not model or index.size != len(model.syllables) or (
        channel is not None and index.channel is not channel
    ):
        if len(_INDEXES) >= 8:
            _INDEXES.clear()  # models come and go (one per set of extra phrases): keep a few
        index = CandidateIndex(model, channel or load_channel())
        _INDEXES[id(model)] = index
    return index


def ocr_candidates(
    token: str, model: Model, limit: int = 8, numbers: bool = False
) -> list[tuple[tuple[int, ...], float]]:
    """The best readings of one OCR token, as (syllable ids, channel log-probability), best first.

    *token* is the token as it appears (any case, edge punctuation allowed).
    A reading is one syllable of *model* or, for a token that may be two
    words printed without a space, two.  The log-probability is
    ``-Channel.cost`` (summed, plus the glue cost, for two syllables).  The
    list is ranked by that plus ``PRIOR · log P(syllable)``, so that a
    common word is not crowded out by rare ones the channel likes as well.
    A token that is itself a syllable always has itself among its readings.

    A token with no letter (a number, a code) has no reading and is to be
    kept as it is; with *numbers*, a run of one or two digits gets readings
    too (``46`` for ``độ``), and the caller must weigh them against the number.

    >>> from diacritics_fix.model import load_model
    >>> model = load_model()
    >>> [tuple(model.syllables[i] for i in ids) for ids, _ in ocr_candidates("x4", model, 3)][0]
    ('xã',)
    >>> ocr_candidates("2019", model)
    []
    """
    return candidate_index(model).readings(token, limit, numbers)


# ---------------------------------------------------------------------------
# Token alignment (for learning and measuring the channel)
# ---------------------------------------------------------------------------

# A rough folding of OCR output for lining tokens up: the commonest digit and
# symbol readings of Vietnamese letters.  Only the alignment uses it.
_ROUGH = str.maketrans({"6": "o", "0": "o", "4": "a", "@": "o", "&": "a", "1": "l", "8": "a", "9": "o", "3": "a"})


def truth_core(token: str) -> str:
    """A truth token without its edge punctuation, lowercase."""
    token = unicodedata.normalize("NFC", token).lower()
    start, end = 0, len(token)
    while start < end and not token[start].isalnum():
        start += 1
    while end > start and not token[end - 1].isalnum():
        end -= 1
    return token[start:end]


def rough(token: str) -> str:
    """A token folded for alignment: lowercase, no marks, common digit readings as letters."""
    return unidecode(unicodedata.normalize("NFC", token).lower()).translate(_ROUGH)


def _dissimilarity(truth: str, ocr: str) -> float:
    return Levenshtein.normalized_distance(truth, ocr)


# Token alignment costs: a token dropped or invented costs 1; a pair costs
# twice its normalised edit distance; gluing or splitting costs as much as a
# gap more, so that a short word the OCR dropped ("ở trong" → "trong") is taken
# as dropped, and only a joined form that matches clearly better ("kinh tế" →
# "kinhté") as glued.
_GAP = 1.0
_JOIN_PENALTY = 1.0


def align_tokens(truth: Iterable[str], ocr: Iterable[str]) -> list[tuple[int, int, int, int]]:
    """Line up the tokens of one truth line and its OCR line.

    Returns steps ``(truth_start, truth_end, ocr_start, ocr_end)`` in order:
    one-to-one pairs, two truth tokens glued into one OCR token (2→1), one
    truth token split into two OCR tokens (1→2), and gaps (an empty side).

    >>> align_tokens(["xã", "hội", "kinh", "tế"], ["x4", "hdi", "kinhté"])
    [(0, 1, 0, 1), (1, 2, 1, 2), (2, 4, 2, 3)]
    """
    truth = [rough(t) for t in truth]
    ocr = [rough(t) for t in ocr]
    n, m = len(truth), len(ocr)
    table = [[INF] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    table[0][0] = 0.0

    def relax(i: int, j: int, di: int, dj: int, cost: float) -> None:
        total = table[i][j] + cost
        if total < table[i + di][j + dj]:
            table[i + di][j + dj] = total
            back[i + di][j + dj] = (di, dj)

    for i in range(n + 1):
        for j in range(m + 1):
            if table[i][j] == INF:
                continue
            if i < n:
                relax(i, j, 1, 0, _GAP)
            if j < m:
                relax(i, j, 0, 1, _GAP)
            if i < n and j < m:
                relax(i, j, 1, 1, 2 * _dissimilarity(truth[i], ocr[j]))
                if i + 1 < n:
                    relax(i, j, 2, 1, 2 * _dissimilarity(truth[i] + truth[i + 1], ocr[j]) + _JOIN_PENALTY)
                if j + 1 < m:
                    relax(i, j, 1, 2, 2 * _dissimilarity(truth[i], ocr[j] + ocr[j + 1]) + _JOIN_PENALTY)
    steps = []
    i, j = n, m
    while (i, j) != (0, 0):
        di, dj = back[i][j]
        steps.append((i - di, i, j - dj, j))
        i, j = i - di, j - dj
    steps.reverse()
    return steps
