#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Build the misreading index, ``data/lexicon/misreadings.bin`` (see ``diacritics_fix.misreadings``).

    python scripts/build_misreadings.py [--out data/lexicon/misreadings.bin] [--tokens 100000] [--depth 12]
                                        [--pairs all|shared|made|none]

Run it after the model data (``scripts/build_data.py``) and the channel
(``scripts/build_channel.py``): the index belongs to their syllables and
their costs, and is not used when either changes.

1. Every syllable the model can read is misread with the channel read
   forwards (``Channel.misreadings``): the strings the OCR may print for it,
   down to an expected frequency ``P(syllable) · P(string | syllable)`` of
   ``exp(LOG_FLOOR)``.
2. Each string's expected frequency is summed over the syllables that give
   it, and the ``--tokens`` likeliest strings are kept (only strings that can
   be the core of an OCR token).  To them are added the token cores the OCR
   really printed in the pairs of the tune split (``--pairs``; the channel
   was learned from the same pairs), up to MAX_SYLLABLE_CORE characters and
   seen in at least MIN_DOCUMENTS documents:
   they hold what the forward reading does not generate (inserted
   characters, rare substitutions).  Only the strings go into the index, as
   keys of their readings; without the pairs (``--pairs none``) the index is
   a little smaller and finds a little less.
3. Each kept string gets its best ``--depth`` readings: the syllables a
   search of ``channel.WIDE`` width finds (several times what a lookup at run
   time searches) together with the syllables that gave the string in step
   1, each scored by the full channel, ranked as at run time.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import OCR_LEVELS, ocr_pairs  # noqa: E402  (the one definition of the split)

from diacritics_fix.channel import (  # noqa: E402
    CEILING, MAX_SYLLABLE_CORE, PRIOR, WIDE, CandidateIndex, is_readable, load_channel, token_core,
)
from diacritics_fix.candidates import OCR_READINGS  # noqa: E402
from diacritics_fix.misreadings import vocabulary_digest, write_index  # noqa: E402
from diacritics_fix.model import load_model  # noqa: E402

# A string is kept for a syllable while log P(syllable) - cost(string | syllable) stays above this.
LOG_FLOOR = -21.0
# At most this many strings per syllable.
PER_SYLLABLE = 3000
# A token the OCR printed joins the index when it was printed in this many
# documents (one document read at several levels or in several typefaces counts once).
MIN_DOCUMENTS = 2


def likely_strings(index: CandidateIndex) -> dict[str, tuple[float, list[int]]]:
    """Each string the OCR likely prints, with its expected frequency and the syllables that give it."""
    model, channel = index.model, index.channel
    found: dict[str, tuple[float, list[int]]] = {}
    for ids in index.by_skeleton.values():
        for sid in ids:
            budget = model.logp[sid] - LOG_FLOOR
            if budget <= 0:
                continue
            for text, cost in channel.misreadings(model.syllables[sid], budget, PER_SYLLABLE):
                if token_core(text) != text or not is_readable(text):
                    continue  # never the core of a token: punctuation at an edge, capitals
                weight, producers = found.get(text, (0.0, []))
                producers.append(sid)
                found[text] = (weight + math.exp(model.logp[sid] - cost), producers)
    return found


def observed_strings(source: str) -> set[str]:
    """Token cores (at most MAX_SYLLABLE_CORE characters) the OCR printed in MIN_DOCUMENTS tune documents or more."""
    if source == "none":
        return set()
    documents: dict[str, set[str]] = {}
    for level in OCR_LEVELS:
        for truth_path in ocr_pairs(level, "tune", source):
            name = truth_path.name.split(".")[0]
            text = truth_path.with_name(f"{name}.ocr.txt").read_text(encoding="utf-8")
            for core in {token_core(token) for token in text.split()}:
                if len(core) <= MAX_SYLLABLE_CORE and is_readable(core, numbers=True):
                    documents.setdefault(core, set()).add(name)
    return {core for core, names in documents.items() if len(names) >= MIN_DOCUMENTS}


def best_readings(index: CandidateIndex, text: str, producers: list[int], depth: int) -> list[tuple[int, float]]:
    """The *depth* best (id, cost) for a string: a wide search and the syllables that give it, ranked."""
    ranked = {sid: (rank, cost) for rank, cost, sid in index.search(text, depth, WIDE)}
    for sid in producers:
        if sid not in ranked:
            cost = index.channel.cost(text, index.model.syllables[sid])
            if cost <= CEILING:  # as at run time
                ranked[sid] = (cost + index.penalty[sid], cost)
    best = sorted((rank, cost, sid) for sid, (rank, cost) in ranked.items())[:depth]
    return [(sid, cost) for _, cost, sid in best]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "lexicon" / "misreadings.bin")
    parser.add_argument("--tokens", type=int, default=100_000, help="likeliest strings kept")
    parser.add_argument("--pairs", choices=("all", "shared", "made", "none"), default="all",
                        help="OCR pairs (tune split) whose printed tokens join the index")
    parser.add_argument("--depth", type=int, default=OCR_READINGS,
                        help="readings kept per string: as many as the restorer asks for (candidates.OCR_READINGS)")
    args = parser.parse_args()
    started = time.perf_counter()
    model = load_model()
    channel = load_channel()
    if channel.digest is None:
        sys.exit("the channel table has no digest")
    index = CandidateIndex(model, channel, PRIOR)
    index._misreadings = None  # search everything: this builds the index

    found = likely_strings(index)
    kept = sorted(found, key=lambda text: (-found[text][0], text))[:args.tokens]
    covered = sum(found[text][0] for text in kept) / sum(weight for weight, _ in found.values())
    observed = observed_strings(args.pairs)
    print(f"{len(found)} likely strings, {len(kept)} kept ({covered:.1%} of their expected frequency); "
          f"{len(observed)} printed in the tune pairs, {len(observed - set(kept))} of them new "
          f"({time.perf_counter() - started:.0f}s)", flush=True)
    kept = sorted(set(kept) | observed)
    readings = {}
    for number, text in enumerate(kept, 1):
        readings[text] = best_readings(index, text, found.get(text, (0.0, []))[1], args.depth)
        if number % 20_000 == 0:
            print(f"  {number} strings read ({time.perf_counter() - started:.0f}s)", flush=True)
    header = {
        "built_by": "scripts/build_misreadings.py",
        "vocabulary": len(model.syllables),
        "vocabulary_sha256": vocabulary_digest(model.syllables),
        "channel_sha256": channel.digest,
        "prior": PRIOR,
        "depth": args.depth,
        "likely_strings": args.tokens,
        "printed_strings": len(observed),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_index(args.out, header, index.penalty[:len(model.syllables)], readings)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB, {len(readings)} strings) "
          f"in {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main()
