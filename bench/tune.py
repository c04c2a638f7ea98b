#!/usr/bin/env python3
"""Tune the model on the *tune* sets (never a held-out one): each domain's mixture, and the decoder's weights.

    python bench/tune.py --domain admin|general|everyday [--rounds 2]   # one domain's mixture
    python bench/tune.py --weights [--rounds 1] [--fields a,b]          # the Weights, all domains
    python bench/tune.py --priors                                       # how passages choose their domain

A *tuning build* counts the training corpus without the texts tuned on:
the dev corpus is left out entirely (its tune split is tuned on), so are the
Wikipedia articles of the ``tune`` and ``bench`` sets (see
``corpus.wikipedia_split``) and part of the project's everyday text (data/text/everyday/H-J).
Then coordinate ascent: each weight in turn is scaled up and down, and a
change is kept when the objective improves.  A domain's mixture (for
``MIXTURES`` in scripts/build_data.py) is tuned on that domain's tune set
alone: administrative documents, Wikipedia articles, or everyday text; the
fields of ``Weights`` (for diacritics_fix/model.py) on stripped word accuracy
weighted over all three, with every domain in the model.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "scripts"))

import build_data  # noqa: E402
from corpus import (  # noqa: E402
    TUNE_EVERYDAY, documents, everyday_documents, matched_words, strip_marks, train_dir, train_documents, wikipedia_split,
)

import diacritics_fix.model as model_module  # noqa: E402
import diacritics_fix.paragraphs as paragraphs  # noqa: E402
from diacritics_fix import Options, Restorer  # noqa: E402
from diacritics_fix.model import Weights, load_model  # noqa: E402

#: How much each tune set counts in the objective of the weights.
OBJECTIVE = {"admin": 0.5, "everyday": 0.25, "wikipedia": 0.25}
#: The tune set of each domain.
DOMAIN_SET = {"admin": "admin", "general": "wikipedia", "everyday": "everyday"}


def tuning_build(folder: Path) -> tuple:
    """Counts and part models of the tuning build, and the word lists."""
    excluded = folder / "excluded-docs.txt"
    wikipedia = [docid for docid, _, _ in train_documents("general") if wikipedia_split(docid) != "counts"]
    excluded.write_text("\n".join(wikipedia) + "\n", encoding="utf-8")
    args = argparse.Namespace(
        train=train_dir(), dev=None, text=ROOT / "data" / "text", exclude_everyday=TUNE_EVERYDAY, exclude_source=[],
        exclude_type=[], exclude_docs=excluded, sources=ROOT / "build" / "sources", phrases=ROOT / "data" / "phrases",
    )
    parts, documents, exclusions = build_data.count_parts(args)
    lists = build_data.Lists(args.sources, args.phrases)
    vocabulary = build_data.vocabulary_of(parts, lists.syllables)
    return (parts, documents, exclusions), vocabulary, build_data.part_models(parts, vocabulary), lists


def tune_sets(admin: int, wikipedia: int) -> dict[str, list[tuple[str, str]]]:
    """(truth, stripped) pairs of each tune set."""
    tune_docs = documents("tune")
    admin_texts = [p.read_text(encoding="utf-8") for p in tune_docs[:: max(1, len(tune_docs) // admin)][:admin]]
    everyday = [p.read_text(encoding="utf-8") for p in everyday_documents("tune")]
    everyday = ["\n".join(line for line in t.split("\n") if not line.startswith("#")) for t in everyday]
    articles = ["\n".join(lines) for docid, _, lines in train_documents("general") if wikipedia_split(docid) == "tune"]
    sets = {"admin": admin_texts, "everyday": everyday, "wikipedia": articles[:wikipedia]}
    return {name: [(t, strip_marks(t)) for t in texts] for name, texts in sets.items()}


def accuracies(weights: Weights, sets: dict[str, list[tuple[str, str]]]) -> dict[str, float]:
    load_model.cache_clear()
    restorer = Restorer(Options(weights=weights, mode="stripped"))
    result = {}
    for name, pairs in sets.items():
        good = total = 0
        for truth, stripped in pairs:
            g, n = matched_words(truth, restorer.restore(stripped))
            good += g
            total += n
        result[name] = good / total
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domain", choices=sorted(DOMAIN_SET), help="tune this domain's mixture")
    parser.add_argument("--weights", action="store_true", help="tune the fields of Weights")
    parser.add_argument("--priors", action="store_true", help="tune how passages choose their domain")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--admin", type=int, default=60, help="dev tune documents")
    parser.add_argument("--wikipedia", type=int, default=60, help="Wikipedia tune articles")
    parser.add_argument("--fields", help="comma-separated Weights fields to tune (default: all but a few)")
    args = parser.parse_args()
    if not (args.domain or args.weights or args.priors):
        parser.error("give --domain NAME, --weights or --priors")

    work = Path(tempfile.mkdtemp(prefix="tune-", dir=ROOT / "build"))
    (work / "lexicon").mkdir()
    (work / "abbreviations.txt").write_bytes((ROOT / "data" / "abbreviations.txt").read_bytes())
    (work / "lexicon" / "channel.tsv").write_bytes((ROOT / "data" / "lexicon" / "channel.tsv").read_bytes())
    model_module.data_dir = lambda: work  # the restorer reads the tuning build
    counted, vocabulary, models, lists = tuning_build(work)
    sets = tune_sets(args.admin, args.wikipedia)
    if args.domain:
        sets = {DOMAIN_SET[args.domain]: sets[DOMAIN_SET[args.domain]]}
    print({name: sum(len(s.split()) for _, s in pairs) for name, pairs in sets.items()}, "words", flush=True)

    def with_mixtures(mixtures: dict[str, dict[str, float]]) -> None:
        mixed = build_data.write_model(work / "lexicon", vocabulary, models, mixtures, lists)
        build_data.write_manifest(work / "lexicon", *counted, models, mixtures, mixed, vocabulary)

    def score(scores: dict[str, float]) -> float:
        return sum(OBJECTIVE[name] * value for name, value in scores.items()) / sum(OBJECTIVE[n] for n in scores)

    mixtures = {name: dict(mixture) for name, mixture in build_data.MIXTURES.items()}
    weights = Weights()
    if args.domain:
        mixtures = {args.domain: mixtures[args.domain]}
    with_mixtures(mixtures)
    scores = accuracies(weights, sets)
    best = score(scores)
    print(f"start {best:.5f} {scores}", flush=True)
    fields = args.fields.split(",") if args.fields else [
        f for f in Weights._fields if f not in ("lm", "ocr_channel", "confidence_temperature", "unknown_logp",
                                                "user_phrase_pair")]
    for _ in range(args.rounds):
        if args.domain:
            mixture = mixtures[args.domain]
            for name in list(mixture):
                for factor in (0.5, 0.75, 1.33, 2.0):
                    trial = dict(mixture, **{name: mixture[name] * factor})
                    total = sum(trial.values())
                    trial = {k: round(v / total, 4) for k, v in trial.items()}
                    with_mixtures({args.domain: trial})
                    trial_scores = accuracies(weights, sets)
                    print(f"  mixture {trial}: {score(trial_scores):.5f} {trial_scores}", flush=True)
                    if score(trial_scores) > best + 1e-5:
                        mixture, best, scores = trial, score(trial_scores), trial_scores
                        print(f"{best:.5f} mixture {mixture}", flush=True)
            mixtures[args.domain] = mixture
            with_mixtures(mixtures)
        if args.weights:
            for name in fields:
                current = getattr(weights, name)
                steps = (0.5, 0.75, 1.33, 2.0) if current else (0.25, 0.5, 1.0)
                for factor in steps:
                    value = current * factor if current else factor
                    trial = weights._replace(**{name: round(value, 4)})
                    trial_scores = accuracies(trial, sets)
                    print(f"  {name}={value:.4f}: {score(trial_scores):.5f} {trial_scores}", flush=True)
                    if score(trial_scores) > best + 1e-5:
                        weights, best, scores = trial, score(trial_scores), trial_scores
                        print(f"{best:.5f} {name}={value:.4f}", flush=True)
        if args.priors:
            # (name, getter, setter, steps): the first choice's odds and borrowed words, then the path's
            knobs = [
                ("general", lambda: paragraphs.DOMAIN_PRIOR["general"],
                 lambda v: paragraphs.DOMAIN_PRIOR.__setitem__("general", v), (-2.0, -1.0, 1.0, 2.0)),
                ("everyday", lambda: paragraphs.DOMAIN_PRIOR["everyday"],
                 lambda v: paragraphs.DOMAIN_PRIOR.__setitem__("everyday", v), (-2.0, -1.0, 1.0, 2.0)),
                ("words", lambda: paragraphs.DOMAIN_PRIOR_WORDS,
                 lambda v: setattr(paragraphs, "DOMAIN_PRIOR_WORDS", max(0, v)), (-10, 10, 30)),
                ("path general", lambda: paragraphs.PATH_PRIOR[0]["general"],
                 lambda v: paragraphs.PATH_PRIOR[0].__setitem__("general", v), (-4.0, -2.0, 2.0)),
                ("path everyday", lambda: paragraphs.PATH_PRIOR[0]["everyday"],
                 lambda v: paragraphs.PATH_PRIOR[0].__setitem__("everyday", v), (-4.0, -2.0, 2.0)),
                ("path words", lambda: paragraphs.PATH_PRIOR[1],
                 lambda v: setattr(paragraphs, "PATH_PRIOR", (paragraphs.PATH_PRIOR[0], max(0, v))), (-10, 20, 60)),
            ]
            for name, get, put, steps in knobs:
                kept = start = get()
                for step in steps:
                    put(start + step)
                    trial_scores = accuracies(weights, sets)
                    print(f"  {name}={start + step}: {score(trial_scores):.5f} {trial_scores}", flush=True)
                    if score(trial_scores) > best + 1e-5:
                        best, scores, kept = score(trial_scores), trial_scores, start + step
                        print(f"{best:.5f} {name}={kept}", flush=True)
                put(kept)
            print(f"DOMAIN_PRIOR = {paragraphs.DOMAIN_PRIOR}, DOMAIN_PRIOR_WORDS = {paragraphs.DOMAIN_PRIOR_WORDS}, "
                  f"PATH_PRIOR = {paragraphs.PATH_PRIOR}")
    print(f"best {best:.5f} {scores}\nMIXTURES = {mixtures}\n{weights}")


if __name__ == "__main__":
    main()
