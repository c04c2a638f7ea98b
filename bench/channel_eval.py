#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""How well the OCR channel's candidate generator covers the truth (oracle recall).

    python bench/channel_eval.py [--split held-out|tune [--fold K]] [--levels scan poor clean]
                                 [--pairs all|shared|made] [--channel TABLE]
                                 [--limit 8] [--numbers] [--prior 1.0] [--misses N]

For the OCR pairs of the split at each level (``corpus.ocr_pairs``: the
shared pairs and those of ``scripts/make_ocr_pairs.py``), OCR
tokens are aligned with truth tokens as in ``scripts/build_channel.py``.  For
every one-to-one pair whose truth is one syllable, it reports how often the
truth syllable is the first, among the first three and among the first eight
readings of :func:`diacritics_fix.channel.ocr_candidates` (what a decoder
could at best pick; ``--limit`` adds a column), the average number of readings, and lookups per second
(each distinct token once, cold cache).  Glued pairs (two truth syllables,
one OCR token) are scored the same way.  Numbers and codes: the share of
tokens that are numbers or codes printed identically in OCR and truth, and
how many of those the generator leaves without a reading (as it should).

Only measured, never tuned on: the held-out split is the default.
"""

from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import ocr_pairs, tune_fold  # noqa: E402

from diacritics_fix.channel import PRIOR, CandidateIndex, align_tokens, load_channel, token_core, truth_core  # noqa: E402
from diacritics_fix.misreadings import MisreadingIndex  # noqa: E402
from diacritics_fix.model import load_model  # noqa: E402
from diacritics_fix.syllable import canonical, is_valid, skeleton  # noqa: E402

DEPTHS = (1, 3, 8)


def collect(truth_paths: list[Path]) -> tuple[Counter, Counter, Counter]:
    """(single pairs, glued pairs, token stats) of some documents: pairs are (ocr token, truth ids)."""
    model = load_model()
    singles: Counter = Counter()
    glued: Counter = Counter()
    stats: Counter = Counter()
    for truth_path in truth_paths:
        name = truth_path.name[: -len(".truth.txt")]
        stats["documents"] += 1
        truth_lines = truth_path.read_text(encoding="utf-8").split("\n")
        ocr_lines = truth_path.with_name(name + ".ocr.txt").read_text(encoding="utf-8").split("\n")
        for truth_line, ocr_line in zip(truth_lines, ocr_lines):
            truth_tokens = unicodedata.normalize("NFC", truth_line).split()
            ocr_tokens = unicodedata.normalize("NFC", ocr_line).split()
            stats["tokens"] += len(truth_tokens)
            for t0, t1, o0, o1 in align_tokens(truth_tokens, ocr_tokens):
                if t1 - t0 == 1 and o1 - o0 == 1:
                    truth, ocr = truth_tokens[t0], ocr_tokens[o0]
                    if any(ch.isdigit() for ch in truth):
                        stats["numbers"] += 1
                        if truth == ocr:
                            stats["numbers kept"] += 1
                            singles[(ocr, None)] += 1
                        continue
                    core = truth_core(truth)
                    if is_valid(core):
                        sid = model.id_of.get(canonical(core))
                        if sid is None:
                            stats["syllable not in model"] += 1
                        else:
                            singles[(ocr, (sid,))] += 1
                elif t1 - t0 == 2 and o1 - o0 == 1:
                    cores = [truth_core(t) for t in truth_tokens[t0:t1]]
                    if all(is_valid(c) for c in cores):
                        ids = tuple(model.id_of.get(canonical(c), -1) for c in cores)
                        if -1 not in ids:
                            glued[(ocr_tokens[o0], ids)] += 1
    return singles, glued, stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", choices=("all", "shared", "made"), default="all",
                        help="../shared/ocr, build/ocr-pairs (scripts/make_ocr_pairs.py), or both")
    parser.add_argument("--split", choices=("held-out", "tune"), default="held-out")
    parser.add_argument("--levels", nargs="+", choices=("scan", "poor", "clean"), default=["scan", "poor", "clean"])
    parser.add_argument("--fold", type=int, help="with --split tune: only this fold (see build_channel.py --hold-fold)")
    parser.add_argument("--channel", help="a channel table other than the shipped one")
    parser.add_argument("--index", help="a misreading index other than the shipped one")
    parser.add_argument("--no-index", action="store_true", help="search every token (no misreading index)")
    parser.add_argument("--limit", type=int, default=8)
    parser.add_argument("--prior", type=float, default=PRIOR, help="weight of -log P(syllable) in the ranking")
    parser.add_argument("--numbers", action="store_true", help="give runs of one or two digits readings too")
    parser.add_argument("--misses", type=int, default=0, help="print this many missed pairs per level")
    args = parser.parse_args()

    depths = tuple(sorted(set(DEPTHS) | {args.limit}))
    model = load_model()
    channel = load_channel(args.channel)
    started = time.perf_counter()
    index = CandidateIndex(model, channel, args.prior)
    misreadings = None if args.no_index else MisreadingIndex.load(args.index)
    used = index.use_misreadings(misreadings)
    print(f"candidate index built in {time.perf_counter() - started:.2f}s; misreading index: "
          f"{'used' if used else 'none' if misreadings is None else 'does not fit, not used'}")
    header = f"{'level':<18}{'docs':>5}{'pairs':>8}" + "".join(f"{'top-' + str(d):>8}" for d in depths)
    header += f"{'avg':>6}{'µs/token':>9}{'indexed':>8}{'glued':>7}{'g-hit':>8}{'numbers':>9}{'kept':>7}{'no-read':>8}"
    print(header)
    for level in args.levels:
        paths = ocr_pairs(level, args.split, args.pairs)
        if args.fold is not None:
            paths = [path for path in paths if tune_fold(path.name) == args.fold]
        singles, glued, stats = collect(paths)
        index.clear_caches()  # cold: every distinct token is looked up afresh
        distinct = sorted({ocr for ocr, _ in singles} | {ocr for ocr, _ in glued})
        started = time.process_time()  # CPU time: steadier than wall time on a shared machine
        readings = {ocr: index.readings(ocr, args.limit, args.numbers) for ocr in distinct}
        elapsed = time.process_time() - started
        indexed = sum(1 for ocr in distinct if misreadings and used and misreadings.get(token_core(ocr)) is not None)
        hits = Counter()
        misses = Counter()
        total = candidates = 0
        no_reading = 0
        for (ocr, ids), count in singles.items():
            found = [r for r, _ in readings[ocr]]
            if ids is None:  # a number or code printed right: it must come out untouched
                if not found:
                    no_reading += count
                continue
            total += count
            candidates += len(found) * count
            if ids in found:
                rank = found.index(ids)
                for depth in depths:
                    if rank < depth:
                        hits[depth] += count
            else:
                misses[(ocr, model.syllables[ids[0]])] += count
        glued_total = sum(glued.values())
        glued_hits = sum(n for (ocr, ids), n in glued.items() if ids in [r for r, _ in readings[ocr]])
        row = f"{level:<18}{stats['documents']:>5}{total:>8}"
        row += "".join(f"{hits[d] / max(total, 1):>8.1%}" for d in depths)
        row += f"{candidates / max(total, 1):>6.1f}{elapsed / len(distinct) * 1e6:>9.0f}{indexed / len(distinct):>8.1%}"
        row += f"{glued_total:>7}{glued_hits / max(glued_total, 1):>8.1%}"
        row += f"{stats['numbers kept'] / max(stats['tokens'], 1):>9.1%}"
        row += f"{stats['numbers kept'] / max(stats['numbers'], 1):>7.1%}"
        row += f"{no_reading / max(stats['numbers kept'], 1):>8.1%}"
        print(row)
        if args.misses:
            near = 0
            for (ocr, truth), n in misses.items():
                if skeleton(truth) in index.skeletons_near(token_core(ocr)):
                    near += n
            print(f"  misses: {sum(misses.values())}, of which the truth skeleton was shortlisted: {near}")
            print("  " + ", ".join(f"{o}→{t}×{n}" for (o, t), n in misses.most_common(args.misses)))
    print("top-k: truth syllable among the first k readings of one-to-one single-syllable pairs;")
    print("avg: readings per token; µs/token: CPU time per distinct token, cold caches;")
    print("indexed: share of distinct tokens found in the misreading index;")
    print("glued: two truth syllables read as one OCR token (mostly a word the OCR dropped),")
    print("       g-hit: the pair among the readings;")
    print("numbers: share of all truth tokens that are numbers/codes printed identically;")
    print("kept: share of number/code tokens printed identically; no-read: of those, left without a reading.")


if __name__ == "__main__":
    main()
