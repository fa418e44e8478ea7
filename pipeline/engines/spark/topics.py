"""Spark: the topic model as MLlib's LDA (online variational Bayes, seeded) on the kept paragraphs' counts over
the corpus vocabulary; only the topics x terms matrix (saved as a gensim LdaModel, as the local engine saves its
topics) and the tokens per topic come back to the driver."""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager, nullcontext
from typing import Any, Iterator

import numpy as np
import pandas as pd
import scipy.sparse as sp

from pipeline.config import Config
from pipeline.errors import ConfigError
from pipeline.engines.spark.themes import SUMS_SCHEMA, ordered_sums, partition_vectors
from pipeline.engines.spark.vocabulary import Vocabulary, unpack
from pipeline.stages.label import label_topics
from pipeline.stages.model import topic_count
from pipeline.stages.model_tomotopy import lda_from_topics
from pipeline.types import TopicLabels, TopicModel, Vectors

# Every iteration reads the whole corpus (subsampling rate 1), so there is no minibatch noise for MLlib's default
# learning offset (1024) to damp: its first steps of (1024 + t)^-0.51, about 0.03, left 20 iterations near the
# random start (c_npmi -0.180 on the sample, -0.048 on 20 Newsgroups distinct5, against tomotopy's -0.065 and
# 0.028). With 16 the first steps are near full batch updates: -0.006 and 0.041 (4 gave -0.030 and 0.029).
LEARNING_OFFSET = 16.0
_CHECKPOINTS = "themes-spark-checkpoints-"

def fit_lda(
    segmented: Any, vocabulary: Vocabulary, theme_terms: dict[str, list[str]], config: Config
) -> tuple[TopicModel, TopicLabels, np.ndarray]:
    """MLlib LDA with `model.num_topics`, `passes` full-batch iterations, `alpha`/`eta` priors and the config seed;
    topics labeled by `label_topics` (top TF-IDF terms per topic are left empty: they need the whole corpus).
    Also the kept tokens' mass per topic (tokens x topic proportions summed over paragraphs) for the audit."""
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
        yield pd.DataFrame({"words": rows, "n": [len(r) for r in rows]})

    paragraphs = segmented.mapInPandas(bags, "words array<string>, n long")
    counted = CountVectorizerModel.from_vocabulary(terms, inputCol="words", outputCol="features").transform(paragraphs)
    counted = counted.select("features", "n").persist()
    n_rows = counted.count()
    if not terms or not n_rows:
        raise ConfigError("no terms left to model after cleaning and vocabulary filters; lower vectorize.no_below or check that the input has text")
    k = topic_count(config.model.num_topics, 0, n_rows)
    alpha = config.model.alpha
    settings = config.spark
    em = settings.lda_optimizer == "em"
    lda = LDA(
        k=k, maxIter=settings.lda_iterations or config.model.passes, seed=config.seed, optimizer=settings.lda_optimizer,
        topicConcentration=_em_prior(config.model.eta) if em else config.model.eta,
    )
    if not em:
        lda.setSubsamplingRate(1.0).setLearningOffset(LEARNING_OFFSET).setOptimizeDocConcentration(alpha == "auto")
    if isinstance(alpha, float) or alpha == "symmetric" or em:  # EM cannot learn alpha: "auto" starts symmetric
        prior = float(alpha) if isinstance(alpha, float) else 1.0 / k
        lda.setDocConcentration([_em_prior(prior) if em else prior] * k)
    with _checkpoints(segmented, config) if em else nullcontext():
        model = lda.fit(counted)
    mass = _topic_mass(model.transform(counted), k)
    counted.unpersist()
    lam = model.topicsMatrix().toArray().T  # topics x terms
    if em:  # MLlib's EM gives the expected counts alone; the online optimizer's lambda includes eta
        lam = lam + config.model.eta
    topic_term = lam / lam.sum(axis=1, keepdims=True)
    gensim_lda = lda_from_topics(
        vocabulary.dictionary, lam, model.estimatedDocConcentration().toArray() - (1.0 if em else 0.0), config.model.eta,
        config.seed,
    )
    topic_model = TopicModel(model=gensim_lda, topic_term=topic_term, doc_topic=np.zeros((0, k)), seed_theme=[""] * k)
    empty = sp.csr_matrix((0, len(terms)))
    labels = label_topics(topic_model, Vectors(vocabulary.dictionary, empty, terms), theme_terms, config.label)
    return topic_model, labels, mass


@contextmanager
def _checkpoints(frame: Any, config: Config) -> Iterator[None]:
    """MLlib's EM optimizer grows its graph's lineage every iteration; without a checkpoint directory 100
    iterations overflow the JVM stack (measured on the sample). In local mode, a temporary one for the fit; a
    cluster's session needs one on shared storage (`SparkContext.setCheckpointDir`), which the user sets."""
    context = frame.sparkSession.sparkContext
    existing = context.getCheckpointDir()  # one of ours from an earlier fit in this session is gone: replace it
    if (existing and _CHECKPOINTS not in existing) or not config.spark.master.startswith("local"):
        yield
        return
    folder = tempfile.mkdtemp(prefix=_CHECKPOINTS)
    context.setCheckpointDir(folder)
    try:
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _topic_mass(transformed: Any, k: int) -> np.ndarray:
    """Sum over paragraphs of tokens x topic proportions, pre-summed per partition and added in partition order."""
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    def per_partition(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        total, part = np.zeros(k), None
        for frame in frames:
            if len(frame):
                part = int(frame["part"].iloc[0])
                total += np.asarray(frame["n"], dtype=np.float64) @ np.stack(frame["p"].to_numpy())
        if part is not None:
            yield pd.DataFrame({"term": np.arange(k), "theme": 0, "part": part, "value": total})

    rows = transformed.select(
        vector_to_array("topicDistribution").alias("p"), "n", F.spark_partition_id().alias("part")
    ).mapInPandas(per_partition, SUMS_SCHEMA)
    return ordered_sums(rows, (k, 1))[:, 0]


def _em_prior(prior: float) -> float:
    """MLlib's EM takes priors shifted by one (a MAP estimate: "concentration - 1" is the pseudo-count) and
    needs them above 1: the local prior as the same pseudo-count."""
    return 1.0 + prior
