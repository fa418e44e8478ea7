"""The peers' minimal pipelines for bench/scale.py: what a user of each library would write on its own.

    python bench/peers.py {tomotopy,gensim,sklearn} PARAGRAPHS.txt OUT.json [--topics 20] [--seed 42] [--coherence]

Each reads the same paragraphs (one per line), tokenizes them (lowercase words of 2+ letters, an English stopword
list), builds a vocabulary (words in at least 5 paragraphs and at most half of them) and fits 20 topics:
tomotopy LDA, 2 workers, 200 iterations; gensim LdaModel, 1 pass; scikit-learn online LDA (its defaults,
10 iterations). Nothing else: no cleaning, labeling or report. Timed from the start of this process (imports
included) to the end of the fit; c_npmi (gensim, top 10 words, the peer's own tokens) is computed afterwards,
untimed, with --coherence.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
from pathlib import Path  # noqa: E402

STOPWORDS = Path(__file__).resolve().parent.parent / "pipeline" / "data" / "stopwords.txt"
WORD = re.compile(r"[^\W\d_]{2,}")
NO_BELOW, NO_ABOVE = 5, 0.5


def read_tokens(paragraphs: Path) -> list[list[str]]:
    stop = set(STOPWORDS.read_text(encoding="utf-8").split())
    with paragraphs.open(encoding="utf-8") as handle:
        return [[w for w in WORD.findall(line.lower()) if w not in stop] for line in handle]


def tomotopy_peer(paragraphs: Path, topics: int, seed: int) -> tuple[list[list[str]], list[list[str]]]:
    import tomotopy as tp

    texts = read_tokens(paragraphs)
    model = tp.LDAModel(k=topics, min_df=NO_BELOW, seed=seed)
    for words in texts:
        if words:
            model.add_doc(words)
    model.train(200, workers=2)
    return texts, [[w for w, _ in model.get_topic_words(k, 10)] for k in range(model.k)]


def gensim_peer(paragraphs: Path, topics: int, seed: int) -> tuple[list[list[str]], list[list[str]]]:
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    texts = read_tokens(paragraphs)
    dictionary = Dictionary(texts)
    dictionary.filter_extremes(no_below=NO_BELOW, no_above=NO_ABOVE, keep_n=None)
    corpus = [dictionary.doc2bow(words) for words in texts]
    model = LdaModel(corpus, id2word=dictionary, num_topics=topics, passes=1, random_state=seed)
    return texts, [[dictionary[i] for i, _ in model.get_topic_terms(k, 10)] for k in range(topics)]


def sklearn_peer(paragraphs: Path, topics: int, seed: int) -> tuple[list[list[str]], list[list[str]]]:
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer

    stop = sorted(set(STOPWORDS.read_text(encoding="utf-8").split()))
    lines = paragraphs.read_text(encoding="utf-8").splitlines()
    vectorizer = CountVectorizer(lowercase=True, token_pattern=WORD.pattern, stop_words=stop, min_df=NO_BELOW,
                                 max_df=NO_ABOVE)
    counts = vectorizer.fit_transform(lines)
    model = LatentDirichletAllocation(n_components=topics, learning_method="online", random_state=seed)
    model.fit(counts)
    terms = vectorizer.get_feature_names_out()
    top = [[str(terms[i]) for i in row.argsort()[::-1][:10]] for row in model.components_]
    return read_tokens(paragraphs), top  # the tokens for coherence only, after the timing


PEERS = {"tomotopy": tomotopy_peer, "gensim": gensim_peer, "sklearn": sklearn_peer}


def c_npmi(texts: list[list[str]], top: list[list[str]]) -> float:
    from gensim.corpora import Dictionary
    from gensim.models import CoherenceModel

    dictionary = Dictionary(texts)
    scorer = CoherenceModel(topics=top, texts=texts, dictionary=dictionary, coherence="c_npmi", topn=10, processes=1)
    return float(scorer.get_coherence())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("peer", choices=sorted(PEERS))
    parser.add_argument("paragraphs", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--topics", type=int, default=20)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--coherence", action="store_true")
    args = parser.parse_args()
    texts, top = PEERS[args.peer](args.paragraphs, args.topics, args.seed)
    result = {"peer": args.peer, "seconds": time.perf_counter() - STARTED,
              "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if args.coherence:
        result["c_npmi"] = c_npmi(texts, top)
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
