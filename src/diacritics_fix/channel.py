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
  ``ườ`` → ``u@``, ``là`` → ``1a``).  :meth:`Channel.cost` is the cheapest
  way of turning a syllable into the OCR token, ``-log P(ocr | syllable)``
  under the best alignment.
* :func:`ocr_candidates` — the best readings of one OCR token: syllables of
  the language model (or two syllables for a glued token), each with its
  channel log-probability.  It never scans the lexicon: the channel is read
  backwards to spell the token as a few likely *skeletons* (``s6`` → ``so``,
  ``sit`` → ``su``), the skeletons within two deletions of those are found in
  a symmetric-delete index, and only their syllables are scored, best first,
  with a lower bound per skeleton cutting the search short.
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
"""

from __future__ import annotations

import bisect
import functools
import heapq
import itertools
import re
import unicodedata
from pathlib import Path
from typing import Iterable, Mapping

from rapidfuzz.distance import Levenshtein
from unidecode import unidecode

from .model import Model, data_dir
from .syllable import canonical, is_valid, restyle, skeleton

SAME, MARK, OTHER, SPACE = "<same>", "<mark>", "<other>", "<space>"
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
# At most this many skeletons (the likeliest by a quick estimate) have their
# syllables scored by the channel: enough for the truth to be among them in
# nearly every case, few enough to keep a lookup cheap.
MAX_SKELETONS = 24
# Skeleton spellings of a token kept by the reverse-channel beam, and how much
# costlier than the best one they may be.
MAX_SPELLINGS = 8
SPELLING_MARGIN = 6.0
# Each OCR piece keeps at most this many skeleton readings in the reverse table.
PIECE_CHOICES = 4
# Readings are ranked by channel cost plus this weight times -log P(syllable)
# (see CandidateIndex.syllable_readings); tuned on the tune split.
PRIOR = 1.0
# For a glued token, each half keeps this many readings.
GLUED_CHOICES = 3
# A token of digits alone is read as a syllable only up to this length (when asked).
MAX_DIGIT_READING = 2


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

    >>> ch = Channel({("ố", "6"): 1.0, (SAME, SAME): 0.1, (MARK, MARK): 2.0, (OTHER, OTHER): 8.0})
    >>> ch.cost("s6", "số"), ch.cost("so", "số"), ch.cost("sa", "số")
    (1.1, 2.1, 8.1)
    """

    def __init__(self, rules: Mapping[tuple[str, str], float]) -> None:
        rules = dict(rules)
        self.same = rules.pop((SAME, SAME), 0.05)
        self.mark = rules.pop((MARK, MARK), 3.0)
        self.other = rules.pop((OTHER, OTHER), 9.0)
        self.insertion = rules.pop(("", OTHER), 8.0)
        self.deletion = rules.pop((OTHER, ""), 8.0)
        self.glue = rules.pop((SPACE, ""), 6.0)
        self.split = rules.pop(("", SPACE), 6.0)
        self.rules = rules
        by_truth: dict[str, dict[str, float]] = {}
        for (truth, ocr), cost in sorted(rules.items()):
            by_truth.setdefault(truth, {})[ocr] = cost
        self._insert = by_truth.pop("", {})
        self._by_truth = by_truth
        self._max_ocr = max([len(o) for _, o in rules] + [1])
        self._max_truth = max([len(t) for t, _ in rules] + [1])
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
        rules = {}
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("#") or not line.strip("\n"):
                    continue
                truth, ocr, cost = line.rstrip("\n").split("\t")
                rules[(truth, ocr)] = float(cost)
        return cls(rules)

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
        """Per position of the syllable: the rules whose truth side starts there."""
        plan = self._syllable_plans.get(syllable)
        if plan is None:
            steps = []
            for i, ch in enumerate(syllable):
                moves = [(1, self._by_truth.get(ch, {}), ch)]
                for length in range(2, min(self._max_truth, len(syllable) - i) + 1):
                    rules = self._by_truth.get(syllable[i:i + length])
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
        for i in range(n + 1):
            row = table[i]
            moves = steps[i] if i < n else ()
            for j in range(m + 1):
                value = row[j]
                if value == INF:
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
        return table[n][m]

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
        if len(self._memo) > 500_000 or len(self._floors) > 500_000:
            self._memo.clear()
            self._floors.clear()
        if value < INF:
            self._memo[key] = value
        else:
            self._floors[key] = bound  # the search was cut off: all we know is cost > bound
        return value

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
            for (truth, ocr), cost in self.rules.items():
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
        for (truth, ocr), cost in self.rules.items():
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
            table[ocr] = [(base, cost) for base, cost in ranked[:PIECE_CHOICES] if cost <= best + SPELLING_MARGIN]
        return table

    def spellings(self, core: str) -> list[tuple[str, float]]:
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
        for j in range(m):
            states = sorted(beams[j].items(), key=lambda item: (item[1], item[0]))[:MAX_SPELLINGS * 2]
            if not states:
                continue
            for length in range(1, min(self._max_ocr, m - j) + 1):
                piece = core[j:j + length]
                choices = reverse.get(piece)
                if choices is None:
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
        cut = ranked[0][1] + SPELLING_MARGIN
        return [(text, cost) for text, cost in ranked[:MAX_SPELLINGS] if cost <= cut and text]


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

    def skeletons_near(self, core: str) -> list[str]:
        """Skeletons the token core may stand for, likeliest first (at most MAX_SKELETONS).

        Each skeleton within MAX_EDITS deletions (counted on both sides) of one
        of the token's :meth:`Channel.spellings` gets a quick estimate: the
        spelling's cost, a flat charge per deletion, and the rarity of its
        commonest syllable.
        """
        estimate: dict[str, float] = {}
        index = self.deletions
        for text, cost in self.channel.spellings(core):
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
        return heapq.nsmallest(MAX_SKELETONS, estimate, key=lambda s: (estimate[s] + rarity[s], s))

    def syllable_readings(self, core: str, limit: int) -> list[tuple[int, float]]:
        """The *limit* best single syllables for a token core, as (id, channel cost), best first.

        Best means lowest ``rank = cost + prior · -log P(syllable)``: the
        channel alone cannot tell ``hội`` from the rare ``hời`` in ``hdi``, and
        a short list must keep the readings a decoder is likely to want.

        A best-first search over the shortlisted skeletons: a skeleton waits
        in the queue under the rank its commonest syllable would have if read
        perfectly; once popped, one search of the skeleton channel gives a
        lower bound for all its syllables, which then wait under bound plus
        their own rarity.  The search stops when nothing waiting can beat the
        *limit*-th reading found, so few syllables need a full search.
        """
        cost_of = self.channel.cost
        bound_of = self.channel.skeleton_channel.cost
        syllables, penalty, by_skeleton = self.model.syllables, self.penalty, self.by_skeleton
        # Queue entries: (key, skeleton order, position in the skeleton's ids or -1, skeleton).
        queue = [
            (penalty[by_skeleton[skel][0]], order, -1, skel) for order, skel in enumerate(self.skeletons_near(core))
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
                lower[skel] = bound_of(core, skel, worst - key)
                heapq.heappush(queue, (lower[skel] + key, order, 0, skel))
                continue
            if position + 1 < len(ids):
                heapq.heappush(queue, (lower[skel] + penalty[ids[position + 1]], order, position + 1, skel))
            sid = ids[position]
            cost = cost_of(core, syllables[sid], worst - penalty[sid])
            rank = cost + penalty[sid]
            if rank < worst:
                bisect.insort(found, (rank, cost, sid))
                if len(found) >= limit:
                    del found[limit:]
                    worst = found[-1][0]
        found.sort()
        result = [(sid, cost) for _, cost, sid in found]
        # The token as written is always a reading when it is a syllable.
        if is_valid(core):
            sid = self.model.id_of.get(canonical(core))
            if sid is not None and all(sid != s for s, _ in result):
                result.append((sid, cost_of(core, syllables[sid])))
        return result

    def readings(self, token: str, limit: int = 8, numbers: bool = False) -> list[tuple[tuple[int, ...], float]]:
        """See :func:`ocr_candidates`."""
        key = (token, limit, numbers)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        core = token_core(token)
        result: list[tuple[tuple[int, ...], float]] = []
        if is_readable(core, numbers):
            penalty = self.penalty
            scored = [(cost + penalty[sid], cost, (sid,)) for sid, cost in self.syllable_readings(core, limit)]
            scored.sort()
            if len(core) >= 4 and (not scored or scored[0][1] > self.channel.glue):
                worst = scored[limit - 1][0] if len(scored) >= limit else INF
                scored.extend(self._glued_readings(core, worst))
                scored.sort()
            as_written = self.model.id_of.get(canonical(core)) if is_valid(core) else None
            result = [(ids, -cost) for _, cost, ids in scored[:limit]]
            # The token as written survives the cut (see syllable_readings).
            result += [(ids, -cost) for _, cost, ids in scored[limit:] if ids == (as_written,)]
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[key] = result
        return result

    def _glued_readings(self, core: str, worst: float) -> list[tuple[float, float, tuple[int, ...]]]:
        """Two-syllable readings (rank, cost, ids) of a token that may be two words printed as one."""
        found = []
        glue = self.channel.glue
        penalty = self.penalty
        vowels = self.channel.vowel_like
        for cut in range(2, len(core) - 1):
            left, right = core[:cut], core[cut:]
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
