"""Candidates → the best sequence: a trigram Viterbi over the candidate lattice.

A *lattice* is the sequence of :class:`~diacritics_fix.candidates.Slot` of a
passage: ``<s>``, then one slot per position the language model sees (a word
with its readings, or a fixed symbol: punctuation, a number class, a code),
then ``</s>``.  The score of a path is

    Σ unary (channel; a glued reading's inner pair)
    + Σ weighted log P(syllable | previous syllable) + list evidence of the pair
    + Σ what the syllable before the previous one adds (the trigram)
    + phrase bonuses,

where phrase bonuses reward readings that spell a known multi-syllable word
or domain phrase (longer matches earn more).  Decoding takes two passes:

1. a first-order pass (pairs only) gives every reading its max-marginal
   score; readings more than :data:`BEAM` below the best of their slot, and
   all but the :data:`KEEP_READINGS` best, are dropped;
2. a second-order Viterbi over what remains adds the trigram.

Both passes run over all the lattices of a text at once, as array
operations: a slot with one reading (one kept reading, in the second pass:
two in a row) cuts a lattice into independent *pieces*, and all pieces are
stepped through together, longest first, so that the pieces still going on
at a step are a prefix of the batch.  Pair scores between two slots are
computed in batches and kept (the same neighbouring words recur throughout a
document), and so are decoded lattices.

>>> from diacritics_fix.model import load_model
>>> from diacritics_fix.candidates import SlotCache
>>> model = load_model()
>>> slots = SlotCache(model, 6)
>>> lattice = [slots.fixed("<s>"), slots.get("uy", 1.0), slots.get("ban", 1.0), slots.fixed("</s>")]
>>> [model.syllables[lattice[i].ids[c.index]] for i, c in enumerate(Decoder(model).decode(lattice))]
['<s>', 'ủy', 'ban', '</s>']
"""

from __future__ import annotations

import itertools
import threading
from typing import NamedTuple, Sequence

import numpy as np

from .candidates import Slot
from .model import Model

#: After the first pass, a reading whose max-marginal is this far below its slot's best is dropped.
BEAM = 7.0
#: … and at most this many readings of a slot go on to the trigram pass.
KEEP_READINGS = 3
#: Lattices are decoded together up to about this many slots (the arrays of a pass grow with it).
BATCH_SLOTS = 4_096

#: What a decoder keeps at most (see _Tables): slots, slot pairs, pair scores (4 bytes each),
#: and the slots of the decoded lattices it remembers: a few tens of MB at most (OCR slots, with a
#: dozen readings each, take the most).
MAX_SLOTS = 100_000
MAX_PAIRS = 100_000
MAX_SCORES = 4_000_000
MAX_LATTICE_SLOTS = 200_000

Phrases = dict[tuple[int, int], tuple[float, tuple[int, ...]]]


_new = tuple.__new__  # a NamedTuple made without the call through its __new__


class Choice(NamedTuple):
    """The decision at one position."""

    index: int  # index into the slot's candidates
    confidence: float  # posterior-like probability of that choice, 1.0 when not computed
    phrase: tuple[int, ...] | None  # the phrase that supported it, if any
    scores: tuple[float, ...]  # max-marginal score of every candidate (empty when not computed)


class _Store:
    """A growing flat float or int buffer of blocks, each found by its row: offset and shape.

    Empty until the first block comes: a restorer loaded before worker
    processes fork holds none of it (each worker fills its own).
    """

    def __init__(self, dtype) -> None:
        self.values = np.empty(0, dtype=dtype)
        self.used = 0

    def append(self, block: np.ndarray) -> int:
        size = block.size
        if self.used + size > len(self.values):
            grown = np.zeros(max(len(self.values) * 3 // 2, self.used + size, 1 << 14), dtype=self.values.dtype)
            grown[:self.used] = self.values[:self.used]
            self.values = grown
        offset = self.used
        self.values[offset:offset + size] = block.ravel()
        self.used += size
        return offset


class _Tables:
    """The decoder's kept data: every slot's readings and every slot pair's scores, in flat arrays.

    A slot (by serial) has a row: the offset and width of its readings in the
    flat id and score buffers.  A pair of slots (by their serials) has a row:
    the offset of its ``left width × right width`` scores.  When they grow
    past their bounds (in rows, and in pair scores: OCR tokens have a dozen
    readings, and a long run of distinct text meets new pairs to the end),
    both are emptied and start again.
    """

    def __init__(self, max_slots: int, max_pairs: int, max_scores: int) -> None:
        self.max_slots, self.max_pairs, self.max_scores = max_slots, max_pairs, max_scores
        self.clear()

    def full(self, coming: int) -> bool:
        """Whether *coming* more slots might pass a bound (the scores' bound is passed by one batch at most)."""
        return (self.slot_offset.used + coming > self.max_slots or self.pair_offset.used + coming > self.max_pairs
                or self.pairs.used > self.max_scores)

    def clear(self) -> None:
        self.slot_row: dict[int, int] = {}
        self.slot_offset = _Store(np.int64)
        self.slot_width = _Store(np.int64)
        self.ids = _Store(np.int32)
        self.last_ids = _Store(np.int32)
        self.before_last = _Store(np.int32)
        self.unary = _Store(np.float32)
        self.pair_row: dict[int, int] = {}
        self.pair_offset = _Store(np.int64)
        self.pairs = _Store(np.float32)

    def add_slots(self, slots: Sequence[Slot]) -> None:
        """Give each of *slots* (none known yet, no two alike) a row."""
        chain = itertools.chain.from_iterable
        widths = np.fromiter((len(slot.ids) for slot in slots), dtype=np.int64, count=len(slots))
        total = int(widths.sum())
        offset = self.ids.append(np.fromiter(chain(slot.ids for slot in slots), dtype=np.int32, count=total))
        self.last_ids.append(np.fromiter(chain(slot.last_ids for slot in slots), dtype=np.int32, count=total))
        self.before_last.append(np.fromiter((-1 if b is None else b for b in chain(slot.before_last for slot in slots)),
                                            dtype=np.int32, count=total))
        self.unary.append(np.fromiter(chain(slot.unary for slot in slots), dtype=np.float32, count=total))
        row = self.slot_offset.append(offset + np.concatenate([[0], np.cumsum(widths[:-1])]))
        self.slot_width.append(widths)
        self.slot_row.update(zip((slot.serial for slot in slots), range(row, row + len(slots))))


def _padded(store: _Store, offsets: np.ndarray, widths: np.ndarray, width: int, fill) -> np.ndarray:
    """Rows of a store as a (len(offsets), width) array, each padded with *fill* after its own width."""
    columns = np.arange(width)
    valid = columns[None, :] < widths[:, None]
    index = np.where(valid, offsets[:, None] + columns[None, :], 0)
    return np.where(valid, store.values[index], fill)


class _Pairs:
    """The pair scores of a batch of slots, taken out of the flat store only where a pass needs them.

    ``values[offsets[g]:]`` holds the ``widths[g] × widths[g + 1]`` scores from
    the readings of slot *g* to those of the next (the first pass reads them
    there, :class:`_Flat`); ``between(at, left, right)`` gives single scores.
    (Padding every pair of a large batch at once would take hundreds of
    megabytes.)
    """

    def __init__(self, values: np.ndarray, offsets: np.ndarray, widths: np.ndarray, width: int,
                 boundaries: set[int]) -> None:
        self.values, self.offsets, self.widths, self.width = values, offsets, widths, width
        self.crossing = np.zeros(len(widths), dtype=bool)  # no pair leads from a lattice's end to the next
        for g in boundaries:
            if 0 < g <= len(widths):
                self.crossing[g - 1] = True

    def between(self, at: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """The score from reading *left* of slot *at* to reading *right* of the next (same shapes)."""
        c = self.widths[at + 1]
        ok = (left < self.widths[at]) & (right < c) & ~self.crossing[at]
        index = np.where(ok, self.offsets[at] + left * c + right, 0)
        return np.where(ok, self.values[index], -np.inf)


class Decoder:
    """Finds the best reading of lattices; keeps slot and pair data and decoded lattices.

    Safe to share between threads: one lock guards what it keeps (decoding
    itself runs on arrays taken out under the lock).
    """

    def __init__(self, model: Model, max_slots: int = MAX_SLOTS, max_pairs: int = MAX_PAIRS,
                 max_lattices: int = MAX_LATTICE_SLOTS, domain: str | None = None,
                 max_scores: int = MAX_SCORES) -> None:
        self.model = model
        self.domain = domain  # whose language model scores the lattices (None: the default)
        self.max_lattices = max_lattices  # in slots: a lattice kept costs a few bytes a slot
        self._lattice_slots = 0
        self._tables = _Tables(max_slots, max_pairs, max_scores)
        # decoded lattices (without confidences): the chosen index of each slot, and its phrase
        self._lattices: dict[tuple[int, ...], tuple[tuple[int, ...], tuple]] = {}
        self._lock = threading.Lock()

    def share(self, parts: int) -> None:
        """Keep a *parts*-th of what it would keep: one of *parts* worker processes."""
        with self._lock:
            tables = self._tables
            tables.max_slots, tables.max_pairs, tables.max_scores = (
                max(1_000, bound // parts) for bound in (tables.max_slots, tables.max_pairs, tables.max_scores))
            self.max_lattices = max(1_000, self.max_lattices // parts)

    # -- phrases -------------------------------------------------------------------------

    def phrase_bonuses(self, slots: Sequence[Slot]) -> Phrases:
        """(position, candidate index) → (bonus, phrase) for readings that spell a known phrase."""
        model = self.model
        phrases, lengths = model.phrases, model.phrase_lengths
        per_syllable = model.weights.phrase_per_syllable
        found: Phrases = {}
        if not per_syllable:
            return found
        skeletons = [slot.skeleton for slot in slots]
        n = len(slots)
        for start in range(n - 1):
            first = skeletons[start]
            if first is None:
                continue
            possible = lengths.get((first, skeletons[start + 1]))
            if not possible:
                continue
            for length in possible:
                if start + length > n:
                    continue
                readings = phrases.get(tuple(skeletons[start:start + length]))
                if not readings:
                    continue
                value = per_syllable * (length - 1)
                for ids in readings:
                    indexes = []
                    for offset, sid in enumerate(ids):
                        slot_ids = slots[start + offset].ids
                        if sid not in slot_ids:
                            break
                        indexes.append(slot_ids.index(sid))
                    else:
                        for offset, k in enumerate(indexes):
                            key = (start + offset, k)
                            if value > found.get(key, (0.0,))[0]:
                                found[key] = (value, ids)
        return found

    # -- decoding ----------------------------------------------------------------------

    def decode(self, slots: Sequence[Slot], with_confidence: bool = False) -> list[Choice]:
        """The best reading of a lattice (``<s>`` … ``</s>`` included): one :class:`Choice` per slot."""
        return self.decode_all([slots], with_confidence)[0]

    def decode_all(self, lattices: Sequence[Sequence[Slot]], with_confidence: bool = False) -> list[list[Choice]]:
        """:meth:`decode` for many lattices at once (both passes run over all of them together)."""
        results: list[list[Choice] | None] = [None] * len(lattices)
        todo = []
        for n, slots in enumerate(lattices):
            if not slots:
                results[n] = []
            elif not with_confidence and (found := self._lattices.get(tuple(s.serial for s in slots))) is not None:
                path, supports = found
                results[n] = [Choice(k, 1.0, support, ()) for k, support in zip(path, supports)]
            else:
                todo.append(n)
        if todo:
            chosen = []
            batch: list[Sequence[Slot]] = []
            size = 0
            for n in todo:  # in batches of bounded size: the arrays of a pass grow with it
                batch.append(lattices[n])
                size += len(lattices[n])
                if size >= BATCH_SLOTS:
                    chosen.extend(self._decode(batch, with_confidence))
                    batch, size = [], 0
            if batch:
                chosen.extend(self._decode(batch, with_confidence))
            with self._lock:
                added = sum(len(lattices[n]) for n in todo)
                if not with_confidence and self._lattice_slots + added > self.max_lattices:
                    self._lattices.clear()
                    self._lattice_slots = 0
                for n, choices in zip(todo, chosen):
                    results[n] = choices
                    if not with_confidence:
                        self._lattices[tuple(s.serial for s in lattices[n])] = (
                            tuple(c.index for c in choices), tuple(c.phrase for c in choices))
                        self._lattice_slots += len(choices)
        return results  # type: ignore[return-value]

    def _arrays(self, flat: list[Slot], boundaries: set[int]):
        """The flat arrays of a batch of slots: readings' ids, unary scores, pair scores."""
        with self._lock:
            tables = self._tables
            if tables.full(len(flat)):
                tables.clear()
            known = tables.slot_row
            new = {slot.serial: slot for slot in flat if slot.serial not in known}
            if new:
                tables.add_slots(list(new.values()))
            rows = np.fromiter(map(known.__getitem__, (slot.serial for slot in flat)), dtype=np.int64, count=len(flat))
            offsets = tables.slot_offset.values[rows]
            widths = tables.slot_width.values[rows]
            width = int(widths.max())
            ids = _padded(tables.ids, offsets, widths, width, 0)
            last_ids = _padded(tables.last_ids, offsets, widths, width, 0)
            before_last = _padded(tables.before_last, offsets, widths, width, -1)
            unary = _padded(tables.unary, offsets, widths, width, -np.inf)
            # pair rows (none across lattices); those never seen are scored in one batch
            serials = np.fromiter((slot.serial for slot in flat), dtype=np.int64, count=len(flat))
            keys = serials[:-1] << 32 | serials[1:]
            pair_rows = np.fromiter(map(tables.pair_row.get, keys.tolist(), itertools.repeat(-1)), dtype=np.int64,
                                    count=len(keys))
            crossing = np.array([g - 1 for g in boundaries if 0 < g <= len(keys)], dtype=np.int64)
            pair_rows[crossing] = 0
            missing = np.flatnonzero(pair_rows < 0)
            if len(missing):
                # score only the real readings of each new pair: its (left width × right width) block, row by row
                new_keys, first, which = np.unique(keys[missing], return_index=True, return_inverse=True)
                left = missing[first]
                r, c = widths[left], widths[left + 1]
                i = np.arange(width)
                valid = (i[None, :, None] < r[:, None, None]) & (i[None, None, :] < c[:, None, None])
                firsts = np.broadcast_to(last_ids[left][:, :, None], valid.shape)[valid]
                seconds = np.broadcast_to(ids[left + 1][:, None, :], valid.shape)[valid]
                offset = tables.pairs.append(self.model.pair_scores(firsts, seconds, self.domain).astype(np.float32))
                row = tables.pair_offset.append(offset + np.concatenate([[0], np.cumsum(r * c)[:-1]]))
                tables.pair_row.update(zip(new_keys.tolist(), range(row, row + len(new_keys))))
                pair_rows[missing] = row + which.ravel()
            pair_offsets = tables.pair_offset.values[pair_rows]
            pairs = _Pairs(tables.pairs.values[:tables.pairs.used], pair_offsets, widths, width, boundaries)
        return widths, ids, last_ids, before_last, unary.astype(np.float64), pairs

    def _decode(self, lattices: Sequence[Sequence[Slot]], with_confidence: bool) -> list[list[Choice]]:
        flat: list[Slot] = []
        starts = []
        for slots in lattices:
            starts.append(len(flat))
            flat.extend(slots)
        boundaries = set(starts)
        widths, ids, last_ids, before_last, unary, pairs = self._arrays(flat, boundaries)
        phrases = [self.phrase_bonuses(slots) for slots in lattices]
        for start, phrase in zip(starts, phrases):
            for (i, k), (value, _) in phrase.items():
                unary[start + i, k] += value
        lattice_start = np.zeros(len(flat), dtype=np.int64)
        for n, start in enumerate(starts):
            end = starts[n + 1] if n + 1 < len(starts) else len(flat)
            lattice_start[start:end] = start

        kept, count, first_marginals = _first_pass(widths, unary, pairs)
        path, marginals = _second_pass(kept, count, ids, last_ids, before_last, unary, pairs, lattice_start,
                                       self.model, self.domain, with_confidence)
        temperature = self.model.weights.confidence_temperature
        results = []
        path_list = path.tolist()
        for n, slots in enumerate(lattices):
            start, phrase = starts[n], phrases[n]
            if not with_confidence and not phrase:  # the common case, made quickly
                results.append([_new(Choice, (k, 1.0, None, ())) for k in path_list[start:start + len(slots)]])
                continue
            choices = []
            for i in range(len(slots)):
                k = path_list[start + i]
                support = phrase.get((i, k), (0.0, None))[1]
                if not with_confidence:
                    choices.append(Choice(k, 1.0, support, ()))
                    continue
                row = _confidence_row(first_marginals[start + i], marginals[start + i], int(widths[start + i]))
                weights = np.exp((row - row.max()) / temperature)
                choices.append(Choice(k, float(weights[k] / weights.sum()), support, tuple(row.tolist())))
            results.append(choices)
        return results


def _confidence_row(first: np.ndarray, second: np.ndarray, width: int) -> np.ndarray:
    """Max-marginal scores of a slot's readings: the second pass's where it has them (moved so that
    the best reading scores as in the first pass), the first pass's elsewhere."""
    row = first[:width].copy()
    scored = np.isfinite(second[:width])
    if scored.any():
        row[scored] = second[:width][scored] - second[:width][scored].max() + first[:width][scored].max()
    return np.where(np.isfinite(row), row, -1e9)


def _pieces(single: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and lengths of the runs between two slots marked *single* (both included), longest first."""
    anchors = np.flatnonzero(single)
    gaps = np.diff(anchors)
    inner = gaps > 1
    starts, lengths = anchors[:-1][inner], gaps[inner] + 1
    order = np.argsort(-lengths, kind="stable")
    return starts[order], lengths[order]


def _first_pass(widths: np.ndarray, unary: np.ndarray, pairs: _Pairs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The readings each slot keeps for the second pass, best first: (kept, how many, max-marginals).

    Max-marginals with pairs only: forward and backward scores over the pieces
    between slots with one reading.  The scores are kept flat, each slot's
    own readings only (:class:`_Flat`): slots of one text have from one to a
    dozen readings, and padding every pair to the widest would do three
    times the work.
    """
    size, width = unary.shape
    forward = np.full((size, width), -np.inf, dtype=np.float32)
    backward = np.zeros((size, width), dtype=np.float32)
    starts, lengths = _pieces(widths == 1)
    if len(starts):
        flat = _Flat(starts, lengths, widths, pairs.offsets, width)
        own = unary.astype(np.float32).ravel()[flat.padded]  # enough to prune by, and twice as quick
        values = pairs.values
        f = own.copy()  # the first slot of each piece: its own score
        into = values[flat.into_pair]  # the pair leading into each slot, ordered (slot, reading, reading before)
        for step in range(1, flat.longest):
            (a, b), (e, g), ends = flat.forward[step]
            f[a:b] = np.maximum.reduceat(into[e:g] + f[flat.into_before[e:g]], ends) + own[a:b]
        back = np.zeros_like(own)
        out = values[flat.out_pair]  # the pair leading out of each slot, ordered (slot, reading, reading after)
        for step in range(flat.longest - 2, -1, -1):
            (a, b), (e, g), ends = flat.backward[step]
            after = flat.out_after[e:g]
            back[a:b] = np.maximum.reduceat(out[e:g] + (own[after] + back[after]), ends)
        forward.ravel()[flat.padded] = f
        backward.ravel()[flat.padded] = back
    with np.errstate(invalid="ignore"):
        marginals = forward + backward
    marginals[np.isnan(marginals)] = -np.inf
    marginals[widths == 1, 0] = 0.0
    best = marginals.max(axis=1, keepdims=True)
    count = np.minimum((marginals >= best - BEAM).sum(axis=1), KEEP_READINGS)
    count[widths == 1] = 1
    kept = np.zeros((size, KEEP_READINGS), dtype=np.int64)
    rest = marginals.copy()
    rows = np.arange(size)
    for r in range(min(KEEP_READINGS, width)):
        top = rest.argmax(axis=1)
        kept[:, r] = top
        rest[rows, top] = -np.inf
    return kept, count, marginals


class _Flat:
    """The pieces of a batch laid out for the first pass, each slot with its own readings only.

    Slots are laid out step by step (the slots of step t of every piece still
    going on are contiguous: pieces longest first), and their readings one
    after the other: a slot's scores are a run of a flat array.  For each step,
    ``forward[step]`` gives the run of readings it fills, the run of
    (reading, reading before) pairs it reads (``into_pair`` in the pair
    scores, ``into_before`` in the flat scores) and where each reading's pairs
    begin within that run; ``backward[step]`` the same for the pairs to the
    reading after (``out_pair``, ``out_after``).  ``padded`` places each flat
    score in a ``(slots, width)`` array.
    """

    def __init__(self, starts: np.ndarray, lengths: np.ndarray, widths: np.ndarray, offsets: np.ndarray,
                 width: int) -> None:
        self.longest = longest = int(lengths[0])
        going = np.array([np.count_nonzero(lengths > step) for step in range(longest)])
        base = np.concatenate([[0], np.cumsum(going)])
        order = np.concatenate([starts[:going[step]] + step for step in range(longest)])
        # (The per-pair arrays are the largest of a decode: 32-bit, as every index and offset fits.)
        w = widths[order].astype(np.int32)
        first = np.zeros(len(w) + 1, dtype=np.int32)  # each laid-out slot's first reading
        first[1:] = np.cumsum(w)
        readings = int(first[-1])
        # each flat reading: its laid-out slot and its index among the slot's readings
        slot_of = np.repeat(np.arange(len(order), dtype=np.int32), w)
        reading = np.arange(readings, dtype=np.int32) - first[slot_of]
        self.padded = order[slot_of] * width + reading
        # the same piece's slot one step before / after each laid-out slot (-1: none)
        step_of = np.repeat(np.arange(longest), going)
        before = np.full(len(order), -1)
        later = step_of > 0
        before[later] = np.arange(len(order))[later] - base[step_of[later]] + base[step_of[later] - 1]
        after = np.full(len(order), -1)
        after[before[later]] = np.flatnonzero(later)
        # The pairs of a slot with the one before (after) are all (reading, reading before (after))
        # of the two; each reading's pairs are a run, and each index is a run's own base plus the
        # position in the run (times the width of the slot after, for the pairs before).
        counting = np.arange(int((w[before[later]] * w[later]).sum() if later.any() else 0) + 1, dtype=np.int32)
        offsets = offsets.astype(np.int32)

        # forward: for each reading of a slot with a slot before, every reading of the one before
        slot, own_reading, count, pair_start, row_of = _runs(before, slot_of, reading, w)
        run, size = pair_start[:-1], int(pair_start[-1])
        stride = np.repeat(w[slot], count)
        self.into_pair = (np.repeat(offsets[order[slot] - 1] + own_reading - run * w[slot], count)
                          + counting[:size] * stride)
        self.into_before = np.repeat(first[before[slot]] - run, count) + counting[:size]
        self.forward = self._steps(going, base, first, row_of, pair_start, 1, longest, going)

        # backward: for each reading of a slot with a slot after, every reading of the one after
        slot, own_reading, count, pair_start, row_of = _runs(after, slot_of, reading, w)
        run, size = pair_start[:-1], int(pair_start[-1])
        self.out_pair = np.repeat(offsets[order[slot]] + own_reading * count - run, count) + counting[:size]
        self.out_after = np.repeat(first[after[slot]] - run, count) + counting[:size]
        self.backward = self._steps(going, base, first, row_of, pair_start, 0, longest - 1, np.append(going[1:], 0))

    @staticmethod
    def _steps(going, base, first, row_of, pair_start, begin: int, end: int, slots) -> list:
        """For each step from *begin* to *end*: the flat readings it fills (its first *slots[step]*
        slots), its run of pairs, and where each reading's pairs start in that run."""
        steps: list = [None] * begin
        for step in range(begin, end):
            a, b = int(first[base[step]]), int(first[base[step] + slots[step]])
            ra, rb = int(row_of[a]), int(row_of[b - 1]) + 1
            e, g = int(pair_start[ra]), int(pair_start[rb])
            steps.append(((a, b), (e, g), pair_start[ra:rb] - e))
        return steps


def _runs(neighbour: np.ndarray, slot_of: np.ndarray, reading: np.ndarray, w: np.ndarray):
    """The flat readings whose slot has a *neighbour* (laid-out index, -1: none): their slots, their
    indexes in the slot, how many readings the neighbour has, where each one's run of pairs
    starts (and the end), and each flat reading's row among them."""
    has = neighbour[slot_of] >= 0
    slot = slot_of[has]
    count = w[neighbour[slot]]
    starts = np.zeros(len(count) + 1, dtype=np.int32)
    starts[1:] = np.cumsum(count)
    return slot, reading[has], count, starts, np.cumsum(has) - 1


def _second_pass(kept, count, ids, last_ids, before_last, unary, pairs, lattice_start, model: Model,
                 domain: str | None, with_confidence: bool) -> tuple[np.ndarray, np.ndarray]:
    """The trigram Viterbi over the kept readings: the chosen candidate of every slot, and
    (with confidence) each kept reading's max-marginal score (-inf elsewhere)."""
    size = len(kept)
    k = KEEP_READINGS
    rows = np.arange(size)[:, None]
    valid = np.arange(k)[None, :] < count[:, None]  # (size, k)
    first = ids[rows, kept]  # the language model's ids of the kept readings
    last = last_ids[rows, kept]
    before = before_last[rows, kept]
    path = kept[:, 0].copy()
    marginals = np.full(unary.shape, -np.inf)
    # Pieces run between anchors: a slot keeping one reading after another that
    # does (one state there), a lattice's first slot, or its last.
    fixed = count == 1
    positions = np.arange(size)
    starts_lattice = lattice_start == positions
    ends_lattice = np.append(starts_lattice[1:], True)
    anchor = fixed & (np.append(True, fixed[:-1]) | starts_lattice | ends_lattice)
    starts, lengths = _pieces(anchor)
    if not len(starts):
        return path, marginals
    own = np.where(valid, unary[rows, kept], -np.inf)
    previous = np.maximum(positions - 1, 0)
    # step[g][b, c]: the pair from reading b of slot g-1 to reading c of slot g, and c's own score
    step = pairs.between(previous[:, None, None], kept[previous][:, :, None], kept[:, None, :]) + own[:, None, :]
    step = np.where(valid[previous][:, :, None] & valid[:, None, :], step, -np.inf)
    gains = _gains(starts, lengths, valid, first, last, before, lattice_start, model, domain)
    longest = int(lengths[0])
    # forward: score[g][b, c] (reading b at g-1, c at g); pointer[g][b, c]: the best reading at g-2
    score = np.full((size, k, k), -np.inf)
    pointer = np.zeros((size, k, k), dtype=np.int64)
    score[starts, 0, 0] = 0.0  # an anchor starting a piece has one state
    for offset in range(1, longest):
        here = starts[:np.count_nonzero(lengths > offset)] + offset
        total = score[here - 1][:, :, :, None] + gains[here]  # (m, a, b, c)
        pointer[here] = total.argmax(axis=1)
        score[here] = total.max(axis=1) + step[here]
    # back from each piece's end (its best state there)
    b_index = np.zeros(len(starts), dtype=np.int64)
    c_index = np.zeros(len(starts), dtype=np.int64)
    chosen = np.zeros(size, dtype=np.int64)
    inner = np.zeros(size, dtype=bool)
    for offset in range(longest - 1, 0, -1):
        live = np.flatnonzero(lengths > offset)
        here = starts[live] + offset
        ending = lengths[live] - 1 == offset
        if ending.any():
            best = score[here[ending]].reshape(int(ending.sum()), -1).argmax(axis=1)
            b_index[live[ending]], c_index[live[ending]] = np.divmod(best, k)
        chosen[here] = c_index[live]
        inner[here] = True
        a = pointer[here, b_index[live], c_index[live]]
        c_index[live] = b_index[live]
        b_index[live] = a
    path[inner] = kept[inner, chosen[inner]]
    if with_confidence:
        marginals = _max_marginals(score, step, gains, starts, lengths, kept, valid, unary.shape)
    return path, marginals


def _gains(starts, lengths, valid, first, last, before, lattice_start, model: Model, domain: str | None) -> np.ndarray:
    """gains[g][a, b, c]: what reading a of slot g-2 adds to reading c of slot g after reading b of g-1."""
    size, k = first.shape
    gains = np.zeros((size, k, k, k))
    places = []
    for offset in range(1, int(lengths[0])):
        places.append(starts[:np.count_nonzero(lengths > offset)] + offset)
    g = np.concatenate(places)
    g = g[g - 2 >= lattice_start[g]]  # the second slot of a lattice has no trigram context
    if not len(g):
        return gains
    combos = valid[g - 2][:, :, None, None] & valid[g - 1][:, None, :, None] & valid[g][:, None, None, :]
    where, a, b, c = np.nonzero(combos)
    at = g[where]
    context = np.where(before[at - 1, b] >= 0, before[at - 1, b], last[at - 2, a])
    values = model.trigram_gains(context, last[at - 1, b], first[at, c], domain)
    gains[at, a, b, c] = values
    gains[g] = np.where(combos, gains[g], -np.inf)
    return gains


def _max_marginals(score, step, gains, starts, lengths, kept, valid, shape) -> np.ndarray:
    """Each kept reading's best path score in the second pass: forward scores and a backward pass."""
    size, k = valid.shape
    longest = int(lengths[0])
    backward = np.zeros((size, k, k))  # after state (a at g-1, b at g): the best continuation to the piece's end
    for offset in range(longest - 2, 0, -1):
        here = starts[np.flatnonzero(lengths - 1 > offset)] + offset
        following = gains[here + 1] + step[here + 1][:, None, :, :] + backward[here + 1][:, None, :, :]
        backward[here] = following.max(axis=3)
    total = (score + backward).max(axis=1)  # (size, c): the best path through reading c
    marginals = np.full(shape, -np.inf)
    for offset in range(1, longest):
        here = starts[:np.count_nonzero(lengths > offset)] + offset
        for c in range(k):
            ok = here[valid[here, c]]
            marginals[ok, kept[ok, c]] = total[ok, c]
    return marginals
