"""Time the readable-terms pass (pipeline/stages/surface.py) against tokenizing, on the sample corpus repeated.

    python bench/surface_terms.py [--copies 50 100] [--terms 500]

`--terms` most frequent vocabulary terms (phrases among them) stand for what a run shows. Prints a table:
paragraphs, tokenize seconds, surface seconds, peak memory the surface pass allocates (traced in a second, untimed pass).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from pipeline.config import Config
from pipeline.stages.clean import clean
from pipeline.stages.ingest import ingest
from pipeline.stages.segment import segment
from pipeline.stages.surface import surface_forms
from pipeline.stages.tokenize import tokenize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[20, 100])
    parser.add_argument("--terms", type=int, default=500)
    args = parser.parse_args()
    config = Config()
    documents = ingest(config.ingest)
    paragraphs = segment(documents, clean(documents, config.clean), config.segment)
    print(f"{'paragraphs':>10} {'tokenize_s':>10} {'surface_s':>9} {'peak_MB':>7} {'terms':>5}")
    for copies in args.copies:
        corpus = paragraphs * copies
        began = time.perf_counter()
        tokenized = tokenize(corpus, config.tokenize, workers=1)
        tokenize_s = time.perf_counter() - began
        frequency = np.bincount(tokenized.token_ids.ids, minlength=len(tokenized.vocabulary))
        shown = [tokenized.vocabulary[i] for i in np.argsort(-frequency, kind="stable")[: args.terms]]
        began = time.perf_counter()
        surface_forms(corpus, tokenized, shown, config.tokenize)
        surface_s = time.perf_counter() - began
        tracemalloc.start()  # a second pass for memory: tracing slows Python several times over
        surface_forms(corpus, tokenized, shown, config.tokenize)
        peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        print(f"{len(corpus):>10} {tokenize_s:>10.2f} {surface_s:>9.2f} {peak_mb:>7.1f} {len(shown):>5}")


if __name__ == "__main__":
    main()
