"""Typed run configuration: one pydantic section per stage (reading TOML files and overrides: config_files.py).

Every default lives here. `configs/default.toml` is rendered from these models (`config_files.render_default_toml`) and a
test keeps the two identical, so the documented defaults cannot drift from the code.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, field_validator



# Languages the pipeline segments and cleans; a document in another language is analysed as English.
LANGUAGES = ("en", "zh")

class Section(BaseModel):
    # inf and nan pass `ge=0`-style bounds but break the arithmetic downstream, so no setting takes them.
    # strict: a bool is not a number, 2.0 is not a topic count, and nothing is truncated on the way in.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


class IngestConfig(Section):
    path: str = Field("", description='file, directory or glob of .txt/.md/.jsonl/.csv; "" = bundled sample corpus')
    extensions: list[str] = Field(
        [".txt", ".md"], description='file types read when `path` is a directory or glob ("" = files without a suffix)'
    )
    text_column: str = Field("text", description="column/field holding the text in .csv/.jsonl inputs")
    id_column: str = Field("", description='column/field with document ids in .csv/.jsonl; "" = <file stem>-<row>')
    title_column: str = Field("", description='column/field with titles; "" = first non-blank line of the text')
    date_field: str = Field("date", description="metadata field used as the date when the text states none")
    filename_pattern: str = Field(
        "", description="regex with named groups read from file names into metadata, e.g. (?P<year>\\d{4})"
    )
    language: Literal["auto", "en", "zh"] = Field(
        "auto", description='"auto" = detected per document from its script; "en" or "zh" for every document'
    )


class CleanConfig(Section):
    enabled: bool = Field(True, description="false keeps every non-blank line")
    title: bool = Field(True, description="drop lines equal to the document title (page headers)")
    repeated_in_document: bool = Field(True, description="drop lines repeated within one document")
    min_repeats: int = Field(2, ge=2, description="times a line must occur in a document to count as repeated")
    repeated_across_documents: bool = Field(True, description="drop lines shared by several documents (teasers)")
    min_documents: int = Field(3, ge=2, description="documents a line must occur in to count as shared boilerplate")
    release_time: bool = Field(True, description='drop "Release time:", "Source:", "Editor:" lines')
    byline: bool = Field(True, description="drop author/reporter lines and agency datelines")
    photo_caption: bool = Field(True, description='drop photo captions ("Photo by ...", "The picture shows ...")')
    mail_headers: bool = Field(
        True, description="drop e-mail/Usenet header fields (From:, Lines:, ...; not Subject:) and the signature after '--'"
    )
    quote_attribution: bool = Field(True, description='drop quote attribution lines ("— — On April 20, 2018, ...")')
    heading: bool = Field(True, description="drop short lines without sentence-ending punctuation (headings)")
    heading_max_words: int = Field(25, ge=1, description="longest line, in words, that can count as a heading")
    extra_patterns: list[str] = Field([], description='regexes; a matching line is dropped with reason "pattern"')


class SegmentConfig(Section):
    mode: Literal["blank_line", "line", "auto"] = Field(
        "blank_line",
        description='"blank_line": paragraphs end at blank lines; "line": every line is a paragraph; '
        '"auto": hard-wrapped documents are unwrapped (a paragraph ends at a short line ending a sentence), '
        "other documents get one paragraph per line",
    )
    min_words: int = Field(1, ge=1, description='paragraphs with fewer words are dropped as "too_short"')


class TokenizeConfig(Section):
    normalize: Literal["lemma", "snowball", "porter", "none"] = Field(
        "lemma", description="lemma (simplemma), snowball or porter stems (nltk), or none"
    )
    stopwords: list[Literal["sklearn", "gensim", "project"]] = Field(
        ["sklearn", "project"], description="shipped stopword lists to use"
    )
    stopwords_zh: list[Literal["stopwordsiso", "project"]] = Field(
        ["stopwordsiso", "project"], description="stopword lists for Chinese words (stopwordsiso's and the project's)"
    )
    extra_stopwords: list[str] = Field([], description="more stopwords (matched before normalization)")
    min_length: int = Field(2, ge=1, description="shortest token kept, in characters")
    min_length_zh: int = Field(
        1, ge=1, description="shortest Chinese word kept, in characters (党, 网: one character can carry a theme)"
    )
    keep_numbers: bool = Field(False, description="keep tokens made only of digits")
    phrases: bool = Field(True, description="join frequent collocations with gensim Phrases (digital_economy)")
    phrase_min_count: int = Field(3, ge=1, description="Phrases: times a pair must occur")
    phrase_threshold: float = Field(0.5, gt=-1, le=1, description="Phrases: npmi score a pair needs (-1..1)")


class VectorizeConfig(Section):
    no_below: int = Field(2, ge=1, description="drop terms found in fewer paragraphs than this")
    no_above: float = Field(0.5, gt=0, le=1, description="drop terms found in more than this share of paragraphs")
    keep_n: int = Field(100_000, ge=1, description="keep at most this many terms (most frequent)")


class ModelConfig(Section):
    engine: Literal["gensim", "tomotopy"] = Field(
        "tomotopy", description='"tomotopy": Gibbs sampling (more coherent topics, faster on large corpora); "gensim": online variational Bayes'
    )
    num_topics: int = Field(10, ge=1, description="topics in all (seeded topics included)")
    seeded: bool = Field(
        False, description="anchor one topic per theme with its seed terms (eta prior); makes the model depend on the lexicon"
    )
    seed_weight: float = Field(1.0, gt=0, description="prior weight of a seed term in its theme's topic")
    passes: int = Field(20, ge=1, description="gensim: passes over the corpus")
    iterations: int = Field(
        200, ge=1, description="gensim: inference iterations per paragraph; tomotopy: Gibbs sampling sweeps over the corpus"
    )
    tolerance: float = Field(
        0.0005, ge=0, lt=1, description="tomotopy: stop sampling once 10 more sweeps raise the log-likelihood per word by "
        "less than this share of it (iterations = at most); 0 = always run every sweep"
    )
    max_paragraphs: int = Field(
        20000, ge=0, description="tomotopy: fit the topics on at most this many paragraphs (a seeded sample); the others "
        "get their topic proportions from the fitted topics; 0 = fit on every paragraph"
    )
    alpha: float | Literal["symmetric", "asymmetric", "auto"] = Field(
        "symmetric", description='paragraph-topic prior: "symmetric" (1/topics), "asymmetric", "auto" (learned) or a number'
    )
    eta: float = Field(0.01, gt=0, description="topic-term prior for non-seed terms")
    chunksize: int = Field(2000, ge=1, description="gensim: paragraphs per training chunk")
    seeds: int = Field(
        1, ge=1, description="models fitted with seeds seed, seed+1, ...; > 1 adds theme stability and weight intervals"
    )


class LabelConfig(Section):
    method: Literal["hybrid", "lexicon", "topics"] = Field(
        "lexicon", description="paragraph weights from lexicon evidence (seeds and learned words), topic proportions, or a blend of both"
    )
    other_threshold: float = Field(
        1.0, ge=0, description='theme evidence a paragraph needs to outweigh "other"; higher = more "other"'
    )
    topic_weight: float = Field(0.1, ge=0, le=1, description="hybrid: share of the weights taken from the topic model")
    section_context: float = Field(
        1.0, ge=0, description="weight of the preceding heading's theme evidence on the paragraphs below it"
    )
    document_context: float = Field(
        0.5, ge=0, description="weight of the whole document's theme evidence on each of its paragraphs"
    )
    idf_weighting: bool = Field(True, description="seed terms found in many paragraphs count for less (idf)")
    expand_iterations: int = Field(0, ge=0, description="rounds of lexicon expansion from co-occurring terms (0 = off)")
    expand_terms: int = Field(30, ge=0, description="most expansion terms added per theme")
    expand_weight: float = Field(0.5, ge=0, description="highest weight of an expansion term (a seed weighs about 1)")
    learn_iterations: int = Field(
        5, ge=0, description="rounds of seeded EM learning each theme's other words from seeded paragraphs (0 = seeds only)"
    )
    learn_floor: float = Field(
        0.2, ge=0, description="learned evidence every kept paragraph gets, spread over themes by the learned model"
    )
    learn_weight: float = Field(
        3.0, ge=0, description="learned evidence per nat of topicality (how much better the theme models fit than the background)"
    )
    learn_smoothing: float = Field(
        2000.0, gt=0, description="prior mass, in word occurrences, pulling each theme's learned word model toward the corpus's own (Dirichlet smoothing): a rare word cannot define a theme"
    )
    complement_rounds: int = Field(
        4, ge=0, description="rounds of complement naive Bayes self-training that decide which theme a paragraph's evidence goes to (0 = the seeded EM's own split)"
    )
    complement_smoothing: float = Field(
        1.0, gt=0, description="complement naive Bayes: additive smoothing per term (paragraph counts)"
    )
    document_rows: float = Field(
        8.0, ge=0, description="complement naive Bayes: how many of a document's own rows its whole-document posterior counts as, shared among them"
    )
    min_score: float = Field(
        0.05, ge=0, le=1, description='topic probability mass on a theme\'s terms needed to label it (else "unlabeled")'
    )
    top_terms: int = Field(10, ge=1, description="terms listed per topic and per document")


class LexiconConfig(Section):
    path: str = Field("", description='theme lexicon TOML; "" = the bundled default lexicon')
    themes: dict[str, list[str]] = Field({}, description="themes to add (or override) as name = [seed terms]")
    replace: bool = Field(False, description="true: use only the themes given here, not the file's")


class CacheConfig(Section):
    enabled: bool = Field(
        True, description="reuse a stage's output saved by an earlier run with the same inputs, settings and code"
    )
    dir: str = Field("", description='where stage outputs are kept; "" = <output_dir>/.cache (safe to delete)')


# Sections that change how a run is made, never what it gives: left out of the config hash and of the
# run folder's config.toml, so a run with the cache off writes the same bytes as one with it on.
# [sweep] changes what `themes sweep` gives, never a run; `workers` only how many processes share the work.
NOT_IN_RESULTS = frozenset({"cache", "sweep", "workers"})
# The engine and its [spark] settings are part of a Spark run's results (its topic model is MLlib's), and left
# out of a local run's, so local run folders and their hashes stay what they were before the Spark engine.
ENGINE_KEYS = frozenset({"engine", "spark"})


class SparkConfig(Section):
    master: str = Field(
        "local[2]", description='where Spark runs: "local[N]", "spark://host:7077", "yarn", or Spark Connect "sc://host:15002"'
    )
    partitions: int = Field(
        0, ge=0, description="partitions the documents are spread over; 0 = 4 per core Spark offers (outputs depend on it only through the topic model)"
    )
    driver_memory: str = Field("1g", description="spark.driver.memory: the driver holds vocabulary-sized tables only")
    executor_memory: str = Field("2g", description="spark.executor.memory (cluster masters; local mode runs in the driver JVM)")
    output_format: Literal["auto", "csv", "parquet"] = Field(
        "auto", description='"auto": paragraphs and documents as one CSV each under parquet_from paragraphs, else as partitioned Parquet folders'
    )
    parquet_from: int = Field(200_000, ge=1, description="auto: paragraphs from which the tables are written as Parquet")
    settings: dict[str, str] = Field({}, description='other Spark settings passed as given, e.g. {"spark.sql.shuffle.partitions" = "64"}')
    lda_optimizer: Literal["online", "em"] = Field(
        "online", description='MLlib LDA: "online" (variational Bayes, full batches) or "em" (expectation-maximization)'
    )
    lda_iterations: int = Field(0, ge=0, description="MLlib LDA iterations; 0 = model.passes")


class ReportConfig(Section):
    enabled: bool = Field(True, description="write report.html and charts/*.svg into every run folder")
    max_documents: int = Field(
        60, ge=1, description="documents drawn in the heatmap, bars and similarity matrix (the longest ones)"
    )
    paragraphs_per_theme: int = Field(3, ge=0, description="most representative paragraphs quoted per theme")
    terms_per_theme: int = Field(20, ge=1, description="top terms listed per theme")


SweepMetric = Literal["c_npmi", "c_v", "u_mass", "diversity", "exclusivity", "perplexity", "stability"]


class SweepConfig(Section):
    k: str = Field("4:16", description='topic counts: "4:16" (4 to 16), "4:16:2" (step 2), "5,7,9" or a mix')
    seeds: int = Field(5, ge=1, description="fits per topic count (seeds seed, seed+1, ...); stability needs 2")
    holdout: float = Field(0.1, ge=0, le=0.5, description="share of kept paragraphs held out for perplexity")
    top_terms: int = Field(10, ge=2, description="top terms per topic for coherence, diversity and exclusivity")
    criteria: list[SweepMetric] = Field(
        ["c_npmi", "stability", "diversity"],
        min_length=1,
        description="metrics averaged, each scaled 0-1 across the topic counts, to recommend one",
    )

    @field_validator("k")
    @classmethod
    def _parse_k(cls, value: str) -> str:
        topic_counts(value)
        return value

    @property
    def k_values(self) -> list[int]:
        return topic_counts(self.k)


def topic_counts(spec: str) -> list[int]:
    """"4:16" -> 4..16, "4:16:2" -> 4, 6, ..., 16, "5,7,9" -> [5, 7, 9]; sorted, each at least 2."""
    expected = 'expected topic counts like "4:16", "4:16:2" or "5,7,9" (each at least 2)'
    values: set[int] = set()
    for item in spec.split(","):
        parts = item.strip().split(":")
        if len(parts) > 3 or not all(p.strip().isdigit() for p in parts):
            raise ValueError(expected)
        numbers = [int(p) for p in parts]
        start, stop, step = numbers[0], numbers[min(1, len(numbers) - 1)], numbers[2] if len(numbers) == 3 else 1
        if step < 1 or stop < start or start < 2:
            raise ValueError(expected)
        values.update(range(start, stop + 1, step))
    return sorted(values)


class Config(Section):
    experiment: str = Field("default", description="runs are written to <output_dir>/<experiment>/<run-id>/")
    seed: int = Field(42, ge=0, le=2**32 - 1, description="the one seed every random step is given")
    output_dir: str = Field("outputs", description="folder that holds the experiment folders")
    workers: int = Field(
        0, ge=0, description="processes that clean, segment and tokenize (with more than 1, one model is fitted in a second "
        "process while the lexicon weights are computed); 0 = one per CPU core when there are over 4 MB of text, "
        "else 1; outputs are the same for any value"
    )
    engine: Literal["local", "spark"] = Field(
        "local", description='where the stages run: "local" (this process) or "spark" (the [spark] master; pip install "theme-pipeline[spark]")'
    )
    ingest: IngestConfig = IngestConfig()
    clean: CleanConfig = CleanConfig()
    segment: SegmentConfig = SegmentConfig()
    tokenize: TokenizeConfig = TokenizeConfig()
    vectorize: VectorizeConfig = VectorizeConfig()
    lexicon: LexiconConfig = LexiconConfig()
    model: ModelConfig = ModelConfig()
    label: LabelConfig = LabelConfig()
    sweep: SweepConfig = SweepConfig()
    report: ReportConfig = ReportConfig()
    cache: CacheConfig = CacheConfig()
    spark: SparkConfig = SparkConfig()

    @field_validator("experiment")
    @classmethod
    def _one_folder(cls, name: str) -> str:
        # The experiment names a folder inside output_dir; a run must never write outside it.
        if not name or name.startswith(".") or any(c in name for c in "/\\") or not name.isprintable():
            raise ValueError("expected a folder name: not empty, no / or \\, not starting with a dot")
        return name

    def to_dict(self, *, results_only: bool = False) -> dict[str, Any]:
        """Every setting; `results_only` leaves out the sections that cannot change outputs ([cache])."""
        excluded = set(NOT_IN_RESULTS) | (ENGINE_KEYS if self.engine == "local" else set())
        return self.model_dump(mode="json", exclude=excluded if results_only else None)

    def to_toml(self, *, results_only: bool = False) -> str:
        return tomli_w.dumps(self.to_dict(results_only=results_only))

    def hash(self) -> str:
        """sha256 of the canonical JSON of the settings that determine results, whatever their file layout."""
        canonical = json.dumps(self.to_dict(results_only=True), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


