"""Spark: the topic model as MLlib's LDA (online variational Bayes, seeded) on the kept paragraphs' counts over
the corpus vocabulary; only the topics x terms matrix comes back to the driver."""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np
import pandas as pd
import scipy.sparse as sp

from pipeline.config import Config
from pipeline.errors import ConfigError
from pipeline.engines.spark.themes import partition_vectors
from pipeline.engines.spark.vocabulary import Vocabulary, unpack
from pipeline.stages.label import label_topics
from pipeline.stages.model import topic_count
from pipeline.types import TopicLabels, TopicModel, Vectors


def fit_lda(segmented: Any, vocabulary: Vocabulary, theme_terms: dict[str, list[str]], config: Config) -> tuple[TopicModel, TopicLabels]:
    """MLlib LDA with `model.num_topics`, `passes` full-batch iterations, `alpha`/`eta` priors and the config seed;
    topics labeled by `label_topics` (top TF-IDF terms per topic are left empty: they need the whole corpus)."""
    from pyspark.ml.clustering import LDA
    from pyspark.ml.feature import CountVectorizerModel

    if config.model.seeded:
        raise ConfigError('model.seeded = true is not available with engine = "spark" (MLlib LDA takes no per-topic eta)')
    terms = [vocabulary.dictionary[i] for i in range(len(vocabulary.dictionary))]

    def bags(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        part = unpack(frames, vocabulary)
        if part is None:
            return
        _, vectors = partition_vectors(part, vocabulary)
        counts = vectors.counts
        rows = []
        for r, p in enumerate(part.paragraphs):
            start, end = counts.indptr[r], counts.indptr[r + 1]
            if p.kept and end > start:
                rows.append([terms[c] for c, n in zip(counts.indices[start:end], counts.data[start:end]) for _ in range(int(n))])
        yield pd.DataFrame({"words": rows}, dtype=object)

    paragraphs = segmented.mapInPandas(bags, "words array<string>")
    counted = CountVectorizerModel.from_vocabulary(terms, inputCol="words", outputCol="features").transform(paragraphs)
    counted = counted.select("features").persist()
    n_rows = counted.count()
    if not terms or not n_rows:
        raise ConfigError("no terms left to model after cleaning and vocabulary filters; lower vectorize.no_below or check that the input has text")
    k = topic_count(config.model.num_topics, 0, n_rows)
    alpha = config.model.alpha
    lda = LDA(
        k=k, maxIter=config.model.passes, seed=config.seed, optimizer="online", subsamplingRate=1.0,
        topicConcentration=config.model.eta, learningOffset=1024.0, optimizeDocConcentration=alpha == "auto",
    )
    if isinstance(alpha, float) or alpha == "symmetric":
        lda.setDocConcentration([float(alpha) if isinstance(alpha, float) else 1.0 / k] * k)
    model = lda.fit(counted)
    counted.unpersist()
    lam = model.topicsMatrix().toArray().T  # topics x terms, unnormalized
    topic_term = lam / lam.sum(axis=1, keepdims=True)
    topic_model = TopicModel(model=None, topic_term=topic_term, doc_topic=np.zeros((0, k)), seed_theme=[""] * k)
    empty = sp.csr_matrix((0, len(terms)))
    labels = label_topics(topic_model, Vectors(vocabulary.dictionary, empty, empty, terms), theme_terms, config.label)
    return topic_model, labels
