# SPDX-License-Identifier: GPL-3.0-or-later
"""The misreading index: the best readings of the OCR tokens Tesseract most often prints, precomputed.

Looking up a new OCR token costs a channel search (a fraction of a
millisecond).  Most tokens of a scan are the commonest misreadings of common
syllables (``cia``, ``s6``, ``nuéc``, ``ngudi``), so
``scripts/build_misreadings.py`` enumerates each syllable's likely
misreadings with the channel read forwards, keeps the strings a scan is
likeliest to hold, and stores for each the readings a thorough search finds
(syllable ids and channel costs, best first).  At run time a token found here
needs no search.

The file, ``data/lexicon/misreadings.bin``, is memory-mapped (worker
processes share its pages; nothing is built at load time):

* ``MAGIC``, a little-endian uint32 header length, then a JSON header: the
  number of syllables it was built for (``vocabulary``) and the SHA-256 of
  their spellings in order, the SHA-256 of the channel table, the ranking
  ``prior``, the readings kept per token (``depth``), and each section's
  offset and length;
* ``penalties`` — float32 per syllable: the rarity term of the ranking it was
  built with (``prior · -log P``), to tell which syllables a user model changed;
* ``slots`` — uint32 hash table (``zlib.crc32`` of the UTF-8 token, linear
  probing; 0 is empty, else token number + 1);
* ``key_offsets`` (uint32, one more than tokens) into ``keys`` (UTF-8);
* ``entry_offsets`` (uint32, one more than tokens) into ``entry_ids``
  (uint16 syllable ids) and ``entry_costs`` (uint16, channel cost in
  thousandths of a nat: the channel's costs have three decimals, so this is
  exact).

The index belongs to one vocabulary and one channel table.  When the model's
syllables differ from those it was built for, or the channel does, it is not
used; when a user model or lexicon changes the ranking of a few syllables
(or adds some), the readings of the others still come from the index and the
search covers the changed ones (see :meth:`MisreadingIndex.lookup`).

>>> from diacritics_fix.channel import load_channel
>>> from diacritics_fix.model import load_model
>>> index = shipped_index()
>>> model = load_model()
>>> [model.syllables[sid] for sid, _ in index.get("cia")][:1] if index else ["của"]
['của']
"""

from __future__ import annotations

import array
import functools
import hashlib
import json
import mmap
import sys
import zlib
from pathlib import Path
from typing import Sequence

from .model import data_dir

MAGIC = b"DFMISRD1"
FORMAT_VERSION = 1
# Costs are stored in thousandths of a nat.
COST_SCALE = 1000
# The tolerance when comparing a syllable's ranking penalty with the stored one.
PENALTY_TOLERANCE = 1e-4
# With more syllables than this changed by a user model, the index is not used
# (the model is a different one, in effect).
MAX_CHANGED = 2000
_SECTIONS = (
    ("penalties", "f"),
    ("slots", "I"),
    ("key_offsets", "I"),
    ("keys", "B"),
    ("entry_offsets", "I"),
    ("entry_ids", "H"),
    ("entry_costs", "H"),
)


def vocabulary_digest(syllables: Sequence[str]) -> str:
    """SHA-256 of the syllables' spellings in order (their ids are positions).

    >>> vocabulary_digest(["a", "b"]) == vocabulary_digest(["a", "b"]) != vocabulary_digest(["b", "a"])
    True
    """
    digest = hashlib.sha256()
    for syllable in syllables:
        digest.update(syllable.encode("utf-8") + b"\n")
    return digest.hexdigest()


def token_hash(token: str) -> int:
    return zlib.crc32(token.encode("utf-8"))


def write_index(path: Path, header: dict, penalties: Sequence[float],
                readings: dict[str, list[tuple[int, float]]]) -> None:
    """Write an index: *readings* maps each token core to its (syllable id, channel cost), best first."""
    tokens = sorted(readings)
    size = 1
    while size < 2 * len(tokens) + 1:
        size *= 2
    slots = array.array("I", [0]) * size
    for number, token in enumerate(tokens):
        slot = token_hash(token) & (size - 1)
        while slots[slot]:
            slot = (slot + 1) & (size - 1)
        slots[slot] = number + 1
    encoded = [t.encode("utf-8") for t in tokens]
    key_offsets = array.array("I", [0])
    for key in encoded:
        key_offsets.append(key_offsets[-1] + len(key))
    entry_offsets = array.array("I", [0])
    entry_ids, entry_costs = array.array("H"), array.array("H")
    for token in tokens:
        for sid, cost in readings[token]:
            entry_ids.append(sid)
            entry_costs.append(round(cost * COST_SCALE))
        entry_offsets.append(len(entry_ids))
    sections = {
        "penalties": array.array("f", penalties),
        "slots": slots,
        "key_offsets": key_offsets,
        "keys": array.array("B", b"".join(encoded)),
        "entry_offsets": entry_offsets,
        "entry_ids": entry_ids,
        "entry_costs": entry_costs,
    }
    if sys.byteorder != "little":
        for values in sections.values():
            values.byteswap()
    header = dict(header, format_version=FORMAT_VERSION, tokens=len(tokens), sections={})
    # Two passes: the offsets depend on the header's length, which depends on the offsets.
    for _ in range(2):
        start = len(MAGIC) + 4 + len(json.dumps(header, sort_keys=True).encode("utf-8"))
        start += -start % 8
        for name, _ in _SECTIONS:
            length = len(sections[name]) * sections[name].itemsize
            header["sections"][name] = [start, length]
            start += length + (-length % 8)
    blob = json.dumps(header, sort_keys=True).encode("utf-8")
    with open(path, "wb") as handle:
        handle.write(MAGIC)
        handle.write(len(blob).to_bytes(4, "little"))
        handle.write(blob)
        for name, _ in _SECTIONS:
            handle.write(b"\0" * (header["sections"][name][0] - handle.tell()))
            handle.write(sections[name].tobytes())


class MisreadingIndex:
    """A memory-mapped index written by :func:`write_index` (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        with open(self.path, "rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        view = memoryview(self._map)
        if bytes(view[:len(MAGIC)]) != MAGIC:
            raise ValueError(f"{path}: not a diacritics-fix misreading index (rebuild with scripts/build_misreadings.py)")
        length = int.from_bytes(view[len(MAGIC):len(MAGIC) + 4], "little")
        self.header = json.loads(bytes(view[len(MAGIC) + 4:len(MAGIC) + 4 + length]))
        if self.header.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{path}: a misreading index of another version (rebuild with scripts/build_misreadings.py)")
        parts = {}
        for name, code in _SECTIONS:
            start, size = self.header["sections"][name]
            part = view[start:start + size]
            if sys.byteorder != "little":  # rare: copy and swap once
                swapped = array.array(code, bytes(part))
                swapped.byteswap()
                parts[name] = memoryview(swapped)
            else:
                parts[name] = part.cast(code)
        self._penalties = parts["penalties"]
        self._slots = parts["slots"]
        self._mask = len(self._slots) - 1
        self._key_offsets = parts["key_offsets"]
        self._keys = parts["keys"]
        self._entry_offsets = parts["entry_offsets"]
        self._ids = parts["entry_ids"]
        self._costs = parts["entry_costs"]
        #: Readings kept per token (the most a lookup can give).
        self.depth: int = self.header["depth"]
        self.vocabulary: int = self.header["vocabulary"]
        self.tokens: int = self.header["tokens"]

    @classmethod
    def load(cls, path: str | Path | None = None) -> "MisreadingIndex | None":
        """The shipped index, or None when there is none (the search does all the work then)."""
        found = Path(path) if path else data_dir() / "lexicon" / "misreadings.bin"
        return cls(found) if found.exists() else None

    def fits(self, syllables: Sequence[str], channel_digest: str | None, prior: float) -> bool:
        """Whether the index was built for these first syllables, this channel table and this prior."""
        return (
            len(syllables) >= self.vocabulary
            and channel_digest == self.header["channel_sha256"]
            and abs(prior - self.header["prior"]) < 1e-9
            and vocabulary_digest(syllables[:self.vocabulary]) == self.header["vocabulary_sha256"]
        )

    def changed(self, penalties: Sequence[float]) -> list[int]:
        """Ids below :attr:`vocabulary` whose ranking penalty differs from the one the index was built with."""
        stored = self._penalties
        return [sid for sid in range(self.vocabulary) if abs(stored[sid] - penalties[sid]) > PENALTY_TOLERANCE]

    def get(self, core: str) -> list[tuple[int, float]] | None:
        """The stored readings of a token core, (syllable id, channel cost) best first; None if absent."""
        key = core.encode("utf-8")
        slots, mask = self._slots, self._mask
        slot = zlib.crc32(key) & mask
        while True:
            number = slots[slot]
            if not number:
                return None
            number -= 1
            start, end = self._key_offsets[number], self._key_offsets[number + 1]
            if end - start == len(key) and self._keys[start:end] == key:
                first, last = self._entry_offsets[number], self._entry_offsets[number + 1]
                costs = self._costs[first:last]
                return [(sid, cost / COST_SCALE) for sid, cost in zip(self._ids[first:last], costs)]
            slot = (slot + 1) & mask


@functools.lru_cache(maxsize=1)
def shipped_index() -> MisreadingIndex | None:
    """The shipped index, opened once per process (None when it has not been built)."""
    return MisreadingIndex.load()
