"""Quick accuracy check on a split (development aid): python bench/quick.py [tune|held-out] [N]"""
import sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from corpus import documents, strip_marks, matched_words
from diacritics_fix import Restorer

split = sys.argv[1] if len(sys.argv) > 1 else "tune"
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 10**9
r = Restorer()
r.restore("khoi dong")
good = total = 0
words = 0
elapsed = 0.0
errors = {}
for path in documents(split)[:limit]:
    truth = path.read_text(encoding="utf-8")
    stripped = strip_marks(truth)
    t = time.perf_counter()
    out = r.restore(stripped)
    elapsed += time.perf_counter() - t
    words += len(stripped.split())
    g, n = matched_words(truth, out)
    good += g; total += n
    if "-v" in sys.argv:
        for a, b in zip(truth.split(), out.split()):
            if a != b:
                errors[(a, b)] = errors.get((a, b), 0) + 1
print(f"{split}: word accuracy {good/total:.4f} ({total} words), {words/elapsed:.0f} words/s")
if "-v" in sys.argv:
    for (a, b), n in sorted(errors.items(), key=lambda x: -x[1])[:60]:
        print(n, a, "->", b)
