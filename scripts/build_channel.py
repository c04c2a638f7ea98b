#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Learn the OCR channel, ``data/lexicon/channel.tsv``, from the OCR pairs of the tune split.

    python scripts/build_channel.py [--pairs all|shared|made] [--out data/lexicon/channel.tsv]
                                    [--hold-fold K]

The table describes how Tesseract 5's English model misreads printed
Vietnamese (see ``diacritics_fix.channel``).  It is learned from (OCR, truth)
pairs (``NAME.ocr.txt`` line *i* is the OCR of ``NAME.truth.txt`` line *i*):
the shared ones (``../shared/ocr``) and those ``scripts/make_ocr_pairs.py``
makes under ``build/ocr-pairs/train`` (several typefaces and sizes, the
``poor`` level above all), found by ``corpus.ocr_pairs``, using **only the
tune split**: held-out documents (``bench/corpus.py``) are never read.
``--hold-fold K`` also leaves out the tune documents of fold *K*
(``corpus.tune_fold``), so that settings can be checked on them with
``bench/channel_eval.py --split tune --fold K``.
Only character statistics leave this script; no text of the documents does.

How:

1. each OCR line is aligned with its truth line token by token
   (``channel.align_tokens``: pairs, 2→1 glued tokens, 1→2 split tokens);
   well-matched pairs are kept, edge punctuation stripped, and counted;
2. the characters of each distinct pair are aligned by the channel's own
   weighted edit distance, starting from hand-set costs (a letter read as
   itself is cheap, with other marks fairly cheap, as something else dear);
   runs of adjacent edits in that first alignment propose multi-character
   rules (``ữ`` → ``it``, ``đố`` → ``d6``), counted over all tones of their
   letters and kept if seen ``MIN_RULE_COUNT`` times;
3. costs are re-estimated from the alignments and the pairs realigned, a few
   times (hard EM): ``cost = -log P(ocr chars | truth chars)``.  A
   one-character rule's probability is its count over the times its letter
   was read alone, smoothed towards the same rule over the letter's other
   tones and towards the pooled rate of its class (same letter, same base
   letter with other marks, unrelated); an insertion is counted per truth
   character; a multi-character rule's count is taken over the occurrences
   of its truth side, smoothed over tones, and the rule is kept only if it
   costs ``RULE_GAIN`` less than spelling it out one character at a time.
   The rate of glued (2→1) and split (1→2) tokens gives ``<space>`` costs.
4. context: the same readings are counted by the neighbours of their truth
   side (the letter before and after, toneless, or the syllable's start or
   end; ``channel.context_of``).  Where a neighbourhood was seen
   ``MIN_CONTEXT_COUNT`` times, the reading's probability there is its count
   over the trials, smoothed towards the less specific estimate (both
   neighbours → the right one → none) by ``CONTEXT_SMOOTHING`` pseudo-counts,
   so each level stays a probability distribution over readings; it becomes
   a context row when it differs by ``CONTEXT_GAIN`` from what the channel
   would otherwise use (and is not dearer than ``CONTEXT_DEAR`` both ways).
   The alignments of the next round use them.  The settings were chosen on
   a fold of the tune split (``--hold-fold``): against a table without
   context, they lower the cross-entropy of fold 0's pairs from 1.69 to
   1.59 nats a token and raise its poor-level word accuracy by half a point.

The output is deterministic: rows sorted, costs rounded to three decimals.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import OCR_LEVELS, ocr_pairs, pair_is_held_out, tune_fold  # noqa: E402  (the one definition of the split)

from diacritics_fix.channel import (  # noqa: E402
    ANY, MARK, OTHER, SAME, SPACE, Channel, align_tokens, base_letter, context_of, rough, token_core, truth_core,
)
from diacritics_fix.syllable import split_tone  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402

# A token pair is learned from only when its rough forms are this close
# (normalised edit distance): misaligned pairs would teach nonsense.
MAX_PAIR_DISTANCE = 0.5
# A multi-character rule (at most MAX_RULE_TRUTH truth and MAX_RULE_OCR OCR
# characters) needs this many sightings, counted over the tones of its letters,
MIN_RULE_COUNT = 25
MAX_RULE_TRUTH, MAX_RULE_OCR = 3, 3
# ... and must cost at least this much less than spelling it out character by character.
RULE_GAIN = 0.5
EM_ROUNDS = 3
# Pseudo-count pulling a rule towards the pooled rate of its class.
SMOOTHING = 2.0
# Pseudo-count pulling a rule towards the rate of the same rule over all
# tones of its truth letters (ừ → if learns from ứ → if, ữ → if, ...).
TONE_POOLING = 3.0
# How many distinct OCR characters an unrelated substitution or an insertion
# is spread over when turning a pooled rate into a per-character one.
OCR_ALPHABET = 40
# Context rules: neighbourhoods seen this often, pseudo-counts towards the
# less specific estimate, and the least difference in cost worth a row.
MIN_CONTEXT_COUNT = 200
CONTEXT_SMOOTHING = 100.0
CONTEXT_GAIN = 0.7
# A reading dearer than this with and without its context keeps no context
# row: what the row would change is a probability below e^-8, and such rows
# were most of the table.
CONTEXT_DEAR = 8.0
# How the levels are weighted: a level of n token pairs weighs n^-power each.
LEVEL_WEIGHTING = {"equal": 1.0, "sqrt": 0.5, "as-read": 0.0}
# Hand-set costs of the first alignment.
START = {(SAME, SAME): 0.05, (MARK, MARK): 1.0, (OTHER, OTHER): 4.0, ("", OTHER): 3.5, (OTHER, ""): 3.5}


def read_pairs(truth_paths: list[Path]) -> tuple[Counter, dict[str, int], int]:
    """Distinct (truth core, OCR core) token pairs of these documents with their counts."""
    pairs: Counter = Counter()
    stats = Counter()
    documents = 0
    for truth_path in truth_paths:
        name = truth_path.name[: -len(".truth.txt")]
        if pair_is_held_out(name):  # never, whatever the caller passed
            continue
        ocr_path = truth_path.with_name(name + ".ocr.txt")
        truth_lines = truth_path.read_text(encoding="utf-8").split("\n")
        ocr_lines = ocr_path.read_text(encoding="utf-8").split("\n")
        if len(truth_lines) != len(ocr_lines):
            print(f"skipped {truth_path}: {len(truth_lines)} truth lines, {len(ocr_lines)} OCR lines")
            continue
        documents += 1
        for truth_line, ocr_line in zip(truth_lines, ocr_lines):
            truth_tokens = unicodedata.normalize("NFC", truth_line).split()
            ocr_tokens = unicodedata.normalize("NFC", ocr_line).split()
            stats["tokens"] += len(truth_tokens)
            stats["boundaries"] += max(0, len(truth_tokens) - 1)
            for t0, t1, o0, o1 in align_tokens(truth_tokens, ocr_tokens):
                if t0 == t1 or o0 == o1:
                    continue
                truth = "".join(truth_core(t) for t in truth_tokens[t0:t1])
                ocr = "".join(token_core(o) for o in ocr_tokens[o0:o1])
                if not truth or not ocr:
                    continue
                if Levenshtein.normalized_distance(rough(truth), rough(ocr)) > MAX_PAIR_DISTANCE:
                    stats["rejected"] += 1
                    continue
                pairs[(truth, ocr)] += 1
                if t1 - t0 == 2:
                    stats["glued"] += 1
                elif o1 - o0 == 2:
                    stats["split"] += 1
    stats["documents"] = documents
    return pairs, dict(stats), documents


def read_levels(source: str, hold_fold: int | None, power: float) -> tuple[Counter, dict[str, float], int]:
    """The token pairs of every level, a level of n token pairs weighted by n^-power (1: each level alike).

    There are far more poor-level pairs than clean ones, and a channel
    learned from them as they come reads clean and scanned pages as if they
    were photocopies (a lone ``1`` as ``là``).  On fold 0 of the tune split,
    square-root weights (``power`` 0.5) gained 0.9 points of clean-level word
    accuracy for 0.1 of poor-level accuracy; equal weights cost a point at
    the poor level.
    """
    read = []
    for level in OCR_LEVELS:
        paths = ocr_pairs(level, "tune", source)
        if hold_fold is not None:
            paths = [path for path in paths if tune_fold(path.name) != hold_fold]
        found = read_pairs(paths)
        if found[0]:
            read.append(found)
    # Scaled so that the total weight is the number of token pairs read.
    scale = sum(stats["tokens"] for _, stats, _ in read) / sum(stats["tokens"] ** (1 - power) for _, stats, _ in read)
    pairs: Counter = Counter()
    stats: Counter = Counter()
    for level_pairs, level_stats, _ in read:
        weight = scale * level_stats["tokens"] ** -power
        for key, count in level_pairs.items():
            pairs[key] += weight * count
        for key, count in level_stats.items():
            stats[key] += weight * count if key != "documents" else count
    return pairs, dict(stats), sum(documents for _, _, documents in read)


def align_all(channel: Channel, pairs: Counter) -> list[tuple[int, list[tuple[str, str]]]]:
    """Every distinct pair's alignment steps, with the pair's count."""
    aligned = []
    for (truth, ocr), count in sorted(pairs.items()):
        if truth == ocr:
            steps = [(ch, ch) for ch in truth]  # no need to search
        else:
            steps = channel.align(ocr, truth)[1]
        aligned.append((count, steps))
    return aligned


def is_plain_step(truth: str, ocr: str) -> bool:
    """A one-to-one step of a letter read as itself or with other marks."""
    if len(truth) != 1 or len(ocr) != 1:
        return False
    return truth == ocr or (truth.isalpha() and ocr.isalpha() and base_letter(truth) == base_letter(ocr))


def toneless(text: str) -> str:
    """*text* without tone marks; the quality marks (ă â ê ô ơ ư) stay: ``ừ`` → ``ư``."""
    return "".join(split_tone(ch)[0] for ch in text)


def tone_families(occ: Counter) -> dict[str, list[str]]:
    """Truth strings grouped by their toneless form: ``ư`` → ``[ư, ứ, ừ, ...]`` (those that occur)."""
    families: dict[str, list[str]] = {}
    for text in sorted(occ):
        if text.isalpha():
            families.setdefault(toneless(text), []).append(text)
    return families


def propose_rules(
    aligned: list[tuple[int, list[tuple[str, str]]]], families: dict[str, list[str]]
) -> tuple[set, Counter]:
    """Multi-character rules: runs of adjacent edits of the first alignment.

    Counted per toneless truth side: how Tesseract draws the horn of ``ư``
    (``it``, ``if``, ``tr``) hardly depends on the tone mark above it, so a
    run seen often enough proposes the rule for every tone of its letters.
    Returns the rules and the runs' counts (which seed their first costs).
    """
    blocks: Counter = Counter()
    seen: Counter = Counter()
    for count, steps in aligned:
        start = 0
        while start < len(steps):
            if steps[start][0] == steps[start][1]:
                start += 1
                continue
            end = start
            while end < len(steps) and steps[end][0] != steps[end][1]:
                end += 1
            run = steps[start:end]
            truth = "".join(t for t, _ in run)
            ocr = "".join(o for _, o in run)
            if (len(run) >= 2 and not all(is_plain_step(t, o) for t, o in run)
                    and 1 <= len(truth) <= MAX_RULE_TRUTH and len(ocr) <= MAX_RULE_OCR
                    and (len(truth), len(ocr)) != (1, 1)):
                blocks[(toneless(truth), ocr)] += count
                seen[(truth, ocr)] += count
            start = end
    rules = set()
    for (plain, ocr), n in blocks.items():
        if n >= MIN_RULE_COUNT:
            rules.update((truth, ocr) for truth in families.get(plain, ()))
    return rules, Counter({rule: n for rule, n in seen.items() if rule in rules})


def occurrences(pairs: Counter) -> tuple[Counter, int]:
    """How often each string of up to MAX_RULE_TRUTH characters occurs in the truth cores."""
    occ: Counter = Counter()
    total = 0
    for (truth, _), count in pairs.items():
        total += len(truth) * count
        for k in range(len(truth)):
            for length in range(1, MAX_RULE_TRUTH + 1):
                if k + length <= len(truth):
                    occ[truth[k:k + length]] += count
    return occ, total


def step_class(truth: str, ocr: str) -> str:
    if truth == ocr:
        return "same"
    if truth.isalpha() and ocr.isalpha() and base_letter(truth) == base_letter(ocr):
        return "mark"
    return "other"


def estimate(aligned, occ: Counter, total: int, multi: set, families: dict, stats: dict,
             seed: Counter | None = None) -> dict[tuple[str, str], float]:
    """Costs from step counts (see the module docstring); *seed* adds counts of multi-character rules."""
    counts: Counter = Counter(seed or {})
    # How often each character was read on its own (not inside a multi-character
    # rule): the denominator of its one-character rules, so that a rule such as
    # ủ → ii does not make every other ủ look more reliable than it is.
    alone: Counter = Counter()
    for count, steps in aligned:
        for step in steps:
            counts[step] += count
            if len(step[0]) == 1:
                alone[step[0]] += count
    pooled: Counter = Counter()
    for (truth, ocr), n in counts.items():
        if len(truth) == 1 and len(ocr) == 1:
            pooled[step_class(truth, ocr)] += n
        elif len(truth) == 1 and not ocr:
            pooled["deletion"] += n
        elif not truth and len(ocr) == 1:
            pooled["insertion"] += n
    letters = sum(n for ch, n in occ.items() if len(ch) == 1 and ch.isalpha())
    # Per-target prior probabilities of each class.
    prior = {
        "same": pooled["same"] / total,
        "mark": pooled["mark"] / letters / 2,  # spread over the ~2 forms an OCR engine gives a base letter
        "other": pooled["other"] / total / OCR_ALPHABET,
        "deletion": pooled["deletion"] / total,
        "insertion": pooled["insertion"] / total / OCR_ALPHABET,
    }
    # The same counts pooled over the tones of the truth side (see propose_rules).
    family_counts: Counter = Counter()
    family_size: Counter = Counter()
    for (truth, ocr), n in counts.items():
        family_counts[(toneless(truth), ocr)] += n
    for plain, members in families.items():
        for member in members:
            family_size[plain] += alone[member] if len(member) == 1 else occ[member]
    candidates = set(counts) | set(multi)
    for (truth, ocr) in list(counts):
        if len(truth) == 1 and len(ocr) <= 1 and truth.isalpha():
            candidates.update((member, ocr) for member in families.get(toneless(truth), ()))

    table: dict[tuple[str, str], float] = {}
    for truth, ocr in sorted(candidates):
        n = counts.get((truth, ocr), 0)
        plain = toneless(truth)
        if len(truth) == 1 and len(ocr) <= 1:
            cls = "deletion" if not ocr else step_class(truth, ocr)
            base_rate = prior[cls]
            if truth.isalpha() and family_size[plain]:
                base_rate = (family_counts[(plain, ocr)] + SMOOTHING * prior[cls]) / (family_size[plain] + SMOOTHING)
            p = (n + TONE_POOLING * base_rate) / (alone[truth] + TONE_POOLING)
        elif not truth and len(ocr) == 1:
            p = (n + SMOOTHING * prior["insertion"]) / (total + SMOOTHING)
        elif (truth, ocr) in multi and family_counts[(plain, ocr)] >= MIN_RULE_COUNT:
            family_rate = family_counts[(plain, ocr)] / max(family_size[plain], 1)
            p = (n + TONE_POOLING * family_rate) / ((occ[truth] if truth else total) + TONE_POOLING)
        else:
            continue
        if p > 0:
            table[(truth, ocr)] = -math.log(p)
    table[(SAME, SAME)] = -math.log(prior["same"])
    table[(MARK, MARK)] = -math.log(prior["mark"])
    table[(OTHER, OTHER)] = -math.log(prior["other"])
    table[("", OTHER)] = -math.log(prior["insertion"])
    table[(OTHER, "")] = -math.log(prior["deletion"])
    table[(SPACE, "")] = -math.log((stats.get("glued", 0) + 1) / (stats["boundaries"] + 2))
    table[("", SPACE)] = -math.log((stats.get("split", 0) + 1) / (stats["tokens"] + 2))
    return table


def estimate_contexts(aligned, pairs: Counter, table: dict[tuple[str, str], float], gain: float = CONTEXT_GAIN,
                      min_count: int = MIN_CONTEXT_COUNT, levels: tuple[str, ...] = ("right", "both"),
                      smoothing: float = CONTEXT_SMOOTHING) -> dict[tuple, float]:
    """Context rows ``(truth, ocr, left, right) → cost`` (see step 4 of the module docstring)."""
    plain = Channel(table)
    steps: Counter = Counter()  # (truth, ocr, left, right) → count, for left ANY and for the real left
    trials: Counter = Counter()  # (truth, left, right) → times the truth side was there to be read
    for count, alignment in aligned:
        truth = "".join(t for t, _ in alignment)
        position = 0
        for t, o in alignment:
            if t:
                left, right = context_of(truth, position, position + len(t))
                steps[(t, o, ANY, right)] += count
                steps[(t, o, left, right)] += count
                if len(t) == 1:  # a letter's trials: the times it was read alone (as for its plain rules)
                    trials[(t, ANY, right)] += count
                    trials[(t, left, right)] += count
            position += len(t)
    longer = {truth for truth, _ in table if len(truth) > 1 and not truth.startswith("<")}
    longest = max((len(t) for t in longer), default=0)
    for (truth, _), count in pairs.items():
        for k in range(len(truth)):
            for length in range(2, longest + 1):
                if truth[k:k + length] in longer and k + length <= len(truth):
                    left, right = context_of(truth, k, k + length)
                    trials[(truth[k:k + length], ANY, right)] += count
                    trials[(truth[k:k + length], left, right)] += count
    readings: dict[str, set[str]] = {}
    for truth, ocr in table:
        readings.setdefault(truth, set()).add(ocr)
    for truth, ocr, _, _ in steps:
        readings.setdefault(truth, set()).add(ocr)

    def plain_cost(truth: str, ocr: str) -> float:
        found = table.get((truth, ocr))
        if found is not None or len(truth) > 1:
            return found if found is not None else math.inf
        return plain.deletion if not ocr else plain._single_default(truth, ocr)

    right_level: dict[tuple[str, str, str], float] = {}  # every estimate of the first level, kept or not
    contexts: dict[tuple, float] = {}
    for level in levels:
        for (truth, left, right), n in sorted(trials.items()):
            if (left == ANY) != (level == "right") or n < min_count:
                continue
            for ocr in sorted(readings.get(truth, ())):
                if level == "right":
                    backoff = used = plain_cost(truth, ocr)
                else:
                    backoff = right_level.get((truth, ocr, right), plain_cost(truth, ocr))
                    used = contexts.get((truth, ocr, ANY, right), plain_cost(truth, ocr))
                if backoff == math.inf:
                    continue
                p = (steps[(truth, ocr, left, right)] + smoothing * math.exp(-backoff)) / (n + smoothing)
                cost = -math.log(p)
                if level == "right":
                    right_level[(truth, ocr, right)] = cost
                if abs(cost - used) >= gain and min(cost, used) < CONTEXT_DEAR:
                    contexts[(truth, ocr, left, right)] = cost
    return contexts


def prune_rules(table: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    """Drop multi-character rules that do not beat spelling them out one character at a time by RULE_GAIN."""
    singles = {rule: cost for rule, cost in table.items() if len(rule[0]) <= 1 and len(rule[1]) <= 1}
    singles.update({rule: cost for rule, cost in table.items() if rule[0].startswith("<") or rule[1].startswith("<")})
    plain = Channel(singles)
    kept = dict(table)
    for (truth, ocr), cost in table.items():
        if (len(truth) > 1 or len(ocr) > 1) and not truth.startswith("<") and not ocr.startswith("<"):
            if cost >= plain.align(ocr, truth)[0] - RULE_GAIN:
                del kept[(truth, ocr)]
    return kept


def write_table(path: Path, table: dict[tuple[str, str], float], contexts: dict[tuple, float],
                stats: dict, pair_count: float, weighting: str) -> None:
    lines = [
        "# channel.tsv: how Tesseract 5 (English model, `tesseract -l eng`) misreads printed Vietnamese.",
        "# GENERATED by scripts/build_channel.py; do not edit by hand.",
        "# Learned from OCR pairs of the tune split only (../shared/ocr and scripts/make_ocr_pairs.py:",
        "# Liberation, DejaVu and Noto Serif, 12-14 pt, clean/scan/poor; held-out documents never read):",
        "# character statistics of the OCR engine, no text of the documents.",
        f"# {stats['documents']} documents, {pair_count:.0f} aligned token pairs"
        f" ({stats.get('glued', 0):.0f} glued 2->1, {stats.get('split', 0):.0f} split 1->2),",
        f"# Levels (clean, scan, poor) weighted: {weighting} (scripts/build_channel.py --level-weights).",
        "# Columns: truth characters, OCR characters, cost = -ln P(OCR chars | truth chars).",
        "# An empty field is the empty string (insertion / deletion).  Defaults for what is",
        "# not listed: <same> a character read as itself, <mark> a letter read with other",
        "# marks, <other> any other substitution, '' <other> an insertion, <other> '' a",
        "# deletion; <space> '' two syllables glued, '' <space> a syllable split in two.",
        "# Rows with two more columns hold in context only: the truth characters' left and",
        "# right neighbours (toneless letters; ^ start, $ end of the syllable; * any).",
    ]
    for (truth, ocr), cost in sorted(table.items()):
        lines.append(f"{truth}\t{ocr}\t{cost:.3f}")
    for (truth, ocr, left, right), cost in sorted(contexts.items()):
        lines.append(f"{truth}\t{ocr}\t{cost:.3f}\t{left}\t{right}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", choices=("all", "shared", "made"), default="all",
                        help="../shared/ocr, build/ocr-pairs/train (scripts/make_ocr_pairs.py), or both")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "lexicon" / "channel.tsv")
    parser.add_argument("--hold-fold", type=int, help="leave out this fold of the tune split (0-4)")
    parser.add_argument("--level-weights", choices=sorted(LEVEL_WEIGHTING), default="sqrt",
                        help="equal: each level (clean, scan, poor) weighs as much; as-read: every token pair once; "
                             "sqrt: in between")
    parser.add_argument("--no-context", action="store_true", help="learn no context rows (to compare)")
    parser.add_argument("--context-gain", type=float, default=CONTEXT_GAIN, help="(to compare settings)")
    parser.add_argument("--context-min-count", type=int, default=MIN_CONTEXT_COUNT, help="(to compare settings)")
    parser.add_argument("--context-smoothing", type=float, default=CONTEXT_SMOOTHING, help="(to compare settings)")
    parser.add_argument("--context-levels", nargs="+", default=["right", "both"], choices=("right", "both"),
                        help="(to compare settings)")
    args = parser.parse_args()
    started = time.perf_counter()

    pairs, stats, documents = read_levels(args.pairs, args.hold_fold, LEVEL_WEIGHTING[args.level_weights])
    if not pairs:
        sys.exit(f"no OCR pairs of the tune split found ({args.pairs})")
    occ, total = occurrences(pairs)
    print(f"{documents} documents, {sum(pairs.values()):.0f} token pairs ({len(pairs)} distinct), "
          f"{stats.get('glued', 0):.0f} glued, {stats.get('split', 0):.0f} split, {stats.get('rejected', 0):.0f} rejected "
          f"({time.perf_counter() - started:.0f}s)")

    families = tone_families(occ)
    channel = Channel(START)
    aligned = align_all(channel, pairs)
    multi, seed = propose_rules(aligned, families)
    print(f"first alignment: {len(multi)} multi-character rules proposed")
    table = estimate(aligned, occ, total, multi, families, stats, seed)
    contexts: dict[tuple, float] = {}
    for round_number in range(1, EM_ROUNDS + 1):
        channel = Channel(table, contexts)
        aligned = align_all(channel, pairs)
        table = prune_rules(estimate(aligned, occ, total, multi, families, stats))
        multi = {rule for rule in multi if rule in table}
        contexts = {} if args.no_context else estimate_contexts(
            aligned, pairs, table, args.context_gain, args.context_min_count, tuple(args.context_levels),
            args.context_smoothing)
        print(f"round {round_number}: {len(table)} rules, {len(multi)} multi-character, {len(contexts)} in context "
              f"({time.perf_counter() - started:.0f}s)")

    write_table(args.out, table, contexts, stats, sum(pairs.values()), args.level_weights)
    print(f"wrote {args.out} ({len(table) + len(contexts)} rows) in {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main()
