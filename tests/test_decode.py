# SPDX-License-Identifier: GPL-3.0-or-later
"""The decoder on its own: lattices of slots, threads sharing it, caches emptied while it works."""

from __future__ import annotations


from diacritics_fix.candidates import SlotCache
from diacritics_fix.decode import Decoder
from diacritics_fix.model import load_model

LINES = [
    "Uy ban nhan dan tinh Quang Nam",
    "Can cu Luat To chuc chinh quyen dia phuong",
    "xa , phuong , thi tran",
    "Ban Thuong vu Thanh uy tong hop , xay dung bao cao",
    "cho toi mot ly ca phe",
    "Hoi dong nhan dan huyen khoa",
]


def lattices(slots: SlotCache) -> list:
    found = []
    for line in LINES:
        lattice = [slots.fixed("<s>")]
        for word in line.split():
            lattice.append(slots.fixed(word) if word == "," else slots.get(word, 1.0))
        lattice.append(slots.fixed("</s>"))
        found.append(lattice)
    return found


def readings(model, batch, decoded) -> list[list[str]]:
    return [[model.syllables[slot.ids[choice.index]] for slot, choice in zip(lattice, choices)]
            for lattice, choices in zip(batch, decoded)]


def test_one_lattice_alone_or_with_others_reads_the_same():
    model = load_model()
    batch = lattices(SlotCache(model, 12))
    together = readings(model, batch, Decoder(model).decode_all(batch))
    alone = [readings(model, [lattice], [Decoder(model).decode(lattice)])[0] for lattice in batch]
    assert together == alone
    assert together[0][1:3] == ["ủy", "ban"] and together[2][1:8] == ["xã", ",", "phường", ",", "thị", "trấn", "</s>"]


def test_threads_sharing_a_decoder_with_tiny_caches_get_the_sequential_results(in_threads):
    model = load_model()
    batch = lattices(SlotCache(model, 12))
    expected = readings(model, batch, Decoder(model).decode_all(batch))
    # Bounds so small that the tables and the lattice cache are emptied again and again.
    shared = Decoder(model, max_slots=20, max_pairs=20, max_lattices=2)

    def work(worker: int) -> list:
        out = []
        for round_ in range(6):
            order = batch[worker + round_:] + batch[:worker + round_]
            out.append((order, shared.decode_all(order)))
        return out

    results = in_threads(work)
    for out in results.values():
        for order, decoded in out:
            by_line = {id(lattice): reading for lattice, reading in zip(order, readings(model, order, decoded))}
            assert [by_line[id(lattice)] for lattice in batch] == expected


def test_first_pass_max_marginals_are_those_of_every_path_tried():
    """The first pass (pairs only) gives each reading the score of the best path through it:
    checked against trying every path of short lattices with slots of one to five readings."""
    import itertools

    import numpy as np

    from diacritics_fix.decode import _first_pass, _Pairs

    rng = np.random.default_rng(7)
    for _ in range(30):
        lattices = [[1, *rng.integers(1, 6, size=rng.integers(1, 5)), 1] for _ in range(rng.integers(1, 4))]
        widths = np.array([w for lattice in lattices for w in lattice])
        width = int(widths.max())
        unary = np.full((len(widths), width), -np.inf)
        for g, w in enumerate(widths):
            unary[g, :w] = rng.normal(size=w).astype(np.float32)
        offsets = np.concatenate([[0], np.cumsum(widths[:-1] * widths[1:])])
        values = rng.normal(size=int(offsets[-1])).astype(np.float32)
        starts = set(np.cumsum([0] + [len(lattice) for lattice in lattices])[:-1].tolist())
        _, _, marginals = _first_pass(widths, unary, _Pairs(values, offsets[:-1], widths, width, starts))
        g = 0
        for lattice in lattices:
            best = np.full((len(lattice), width), -np.inf)
            for path in itertools.product(*(range(w) for w in lattice)):
                score = sum(unary[g + i, k] for i, k in enumerate(path)) + sum(
                    values[offsets[g + i] + path[i] * lattice[i + 1] + path[i + 1]] for i in range(len(lattice) - 1))
                for i, k in enumerate(path):
                    best[i, k] = max(best[i, k], score)
            for i, w in enumerate(lattice):
                if w > 1:  # (a slot of one reading is 0: nothing to choose there)
                    got = marginals[g + i, :w]
                    assert np.allclose(got - got.max(), best[i, :w] - best[i, :w].max(), atol=1e-4), (lattice, i)
            g += len(lattice)
