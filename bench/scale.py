"""Scale benchmark: `themes run` on 10k, 100k and all paragraphs of the UN General Debates (issue 9).

    python bench/scale.py [--sizes 10000 100000 all] [--config configs/ungdc-scale.toml] [--workers N]
                          [--set key=value ...] [--no-bare] [--peers tomotopy gensim sklearn] [--rounds N]

1. unpacks ../shared/corpora/ungdc/UNGDC_1970-2024.tar.gz once into bench/.cache/ungdc/ (sha256 checked);
2. counts each speech's kept paragraphs with the config's ingest, clean and segment settings (cached);
3. per size: speeches in a seeded random order until their kept paragraphs reach the size, linked into
   bench/.cache/ungdc-subsets/<size>/ ("all" = the whole corpus);
4. runs the pipeline in a fresh process exactly as `themes run` does (`runner.run`), recording seconds per
   stage (write included), the process's peak RSS and its worker processes' peak RSS;
5. in a second fresh process, rebuilds the same bag-of-words with the same stages (untimed) and times the
   bare model fit with the same settings (tomotopy, or gensim LdaModel with model.engine = "gensim");
   c_npmi (gensim CoherenceModel, top 10 terms, kept paragraphs as texts) of the run's model and of the
   bare one; and, for reference, gensim LdaModel with its own defaults and --gensim-passes passes;
6. prints the tables and writes bench/results/scale.json (git-ignored).

Preprocessing = ingest through vectorize; MB/s is raw UTF-8 bytes over those seconds, tokens/s the tokens
they produced over the same seconds. The ratio is the run process's wall time (imports included) over the
bare fit. The peers' minimal pipelines (bench/peers.py: tomotopy 2 workers 200 iterations, gensim 1 pass,
scikit-learn online LDA) run on the same kept paragraphs in the same session, taking turns with the project
(--rounds); the last table gives each one's wall time over the fastest peer's, the load average and the CPU
count beside them, and growth from one size to the next. Never run as a test: the full corpus takes many minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(REPO))

from pipeline.config import Config  # noqa: E402
from pipeline.config_files import load_config

import archives  # noqa: E402  (bench/archives.py, beside this script)

ARCHIVE = Path("/work/shared/corpora/ungdc/UNGDC_1970-2024.tar.gz")
if not ARCHIVE.exists():
    ARCHIVE = REPO.parent / "shared" / "corpora" / "ungdc" / "UNGDC_1970-2024.tar.gz"
ARCHIVE_SHA256 = "3744d7ba26170f50070dcc6146f1d3223af6b01753a7cee8e7dfe92149aaca2e"
EXTRACTED = archives.CACHE_DIR / "ungdc"
CORPUS = EXTRACTED / "UNGDC_1970-2024"
SUBSETS = archives.CACHE_DIR / "ungdc-subsets"
RESULTS = BENCH_DIR / "results" / "scale.json"
PREPROCESSING = ("ingest", "clean", "segment", "tokenize", "vectorize")
STAGES = (*PREPROCESSING, "label", "weigh", "tables", "audit_corpus", "write_tables", "model", "audit", "write")


class RecordingReporter:
    """The runner's progress protocol, keeping each stage's seconds and counts."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.counts: dict[str, dict[str, Any]] = {}

    def start(self, stage: str) -> None:
        print(f"  {stage} ...", file=sys.stderr, flush=True)

    def finish(self, stage: str, elapsed_s: float, counts: dict[str, Any]) -> None:
        self.seconds[stage] = elapsed_s
        self.counts[stage] = counts

    def advance(self, stage: str, done: int, total: int) -> None:
        pass  # the figures are per stage; progress inside a stage is not recorded

    def warn(self, message: str) -> None:
        print(f"  warning: {message}", file=sys.stderr, flush=True)

    def close(self) -> None:
        pass


def peak_rss_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest child, in MB.

    Linux carries ru_maxrss over exec, so a child started from a big parent would report the parent's peak:
    this process's own peak is read from VmHWM (reset at exec) where the system has it. A forked worker's
    figure starts from this process's peak at the fork and counts the pages the two share."""
    status = Path("/proc/self/status")
    lines = status.read_text().splitlines() if status.exists() else []
    own = [int(line.split()[1]) / 1024 for line in lines if line.startswith("VmHWM:")]
    return (
        own[0] if own else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    )


def child_run(config: Config) -> dict[str, Any]:
    import platform

    from pipeline.runner import run

    # gensim stamps every saved model with platform.platform(), which runs `uname -p` in a child process the
    # first time; a forked child's peak RSS starts at its parent's, so that child would report the run's peak
    # so far as a worker's. Asked once here, the answer is cached and only the tokenize workers remain.
    platform.platform()
    reporter = RecordingReporter()
    result = run(config, reporter)
    rss, workers_rss = peak_rss_mb()
    return {"run_dir": str(result.run_dir), "seconds": reporter.seconds, "counts": reporter.counts,
            "summary": result.summary, "rss_mb": rss, "workers_rss_mb": workers_rss}


def child_bare(config: Config, run_dir: Path, reference_passes: int) -> dict[str, Any]:
    import numpy as np
    from gensim.models import CoherenceModel, LdaModel

    from pipeline.stages.clean import clean
    from pipeline.stages.ingest import ingest
    from pipeline.stages.model import bow_corpus
    from pipeline.stages.segment import segment
    from pipeline.stages.tokenize import tokenize
    from pipeline.stages.vectorize import vectorize

    documents = ingest(config.ingest)
    paragraphs = segment(documents, clean(documents, config.clean), config.segment)
    kept = np.array([p.kept for p in paragraphs], dtype=bool)
    del documents
    tokenized = tokenize(paragraphs, config.tokenize, workers=config.workers)
    vectors = vectorize(tokenized, kept.tolist(), config.vectorize)
    rows = np.flatnonzero(kept & (np.diff(vectors.counts.indptr) > 0))
    m = config.model
    began = time.perf_counter()
    if m.engine == "tomotopy":
        import tomotopy as tp

        bare = tp.LDAModel(k=m.num_topics, alpha=1.0 / m.num_topics if isinstance(m.alpha, str) else m.alpha,
                           eta=m.eta, seed=config.seed)
        bare.optim_interval = 10 if m.alpha in ("auto", "asymmetric") else 0
        # Documents go in as the run adds them (one np.repeat per row): a Python loop per token took 19 s at
        # 100k paragraphs where the run takes 4 s, which made the run look cheap next to its baseline.
        matrix, terms = vectors.counts[rows], np.array(vectors.terms, dtype=object)
        for r in range(matrix.shape[0]):
            start, end = matrix.indptr[r], matrix.indptr[r + 1]
            bare.add_doc(np.repeat(terms[matrix.indices[start:end]], matrix.data[start:end].astype(np.int64)).tolist())
        bare.train(m.iterations, workers=1)
    else:
        bare = LdaModel(
            corpus=bow_corpus(vectors.counts, rows), id2word=vectors.dictionary, num_topics=m.num_topics,
            passes=m.passes, iterations=m.iterations, alpha=m.alpha, eta=m.eta, chunksize=m.chunksize,
            random_state=np.random.RandomState(config.seed), eval_every=None,
        )
    bare_s = time.perf_counter() - began
    texts = [tokenized.tokens[r] for r in np.flatnonzero(kept)]

    def top_terms(model: Any) -> list[list[str]]:
        if isinstance(model, LdaModel):
            return [[vectors.dictionary[i] for i, _ in model.get_topic_terms(k, 10)] for k in range(model.num_topics)]
        return [[w for w, _ in model.get_topic_words(k, 10)] for k in range(model.k)]

    def npmi(model: Any) -> float:
        scorer = CoherenceModel(topics=top_terms(model), texts=texts, dictionary=vectors.dictionary,
                                coherence="c_npmi", topn=10, processes=1)
        return float(scorer.get_coherence())

    if (run_dir / "models" / "lda.gensim").exists():
        run_model = LdaModel.load(str(run_dir / "models" / "lda.gensim"))
    else:
        import tomotopy as tp

        run_model = tp.LDAModel.load(str(run_dir / "models" / "lda.tomotopy.bin"))
    result = {"bare_s": bare_s, "bare_c_npmi": npmi(bare), "run_c_npmi": npmi(run_model)}
    if reference_passes:
        # The peers' baseline: gensim LdaModel with its own defaults and this many passes.
        began = time.perf_counter()
        reference = LdaModel(corpus=bow_corpus(vectors.counts, rows), id2word=vectors.dictionary,
                             num_topics=m.num_topics, passes=reference_passes,
                             random_state=np.random.RandomState(config.seed), eval_every=None)
        result.update(gensim_s=time.perf_counter() - began, gensim_c_npmi=npmi(reference))
    return result


def child_paragraphs(config: Config, out: Path) -> dict[str, Any]:
    """Write the kept paragraphs, one per line, for the peers' minimal pipelines (untimed)."""
    from pipeline.stages.clean import clean
    from pipeline.stages.ingest import ingest
    from pipeline.stages.segment import segment

    documents = ingest(config.ingest)
    paragraphs = segment(documents, clean(documents, config.clean), config.segment)
    with out.open("w", encoding="utf-8") as handle:
        for p in paragraphs:
            if p.kept:
                handle.write(" ".join(p.text.split()) + "\n")
    return {"paragraphs": sum(p.kept for p in paragraphs)}


def run_peer(peer: str, paragraphs: Path, config: Config, coherence: bool) -> dict[str, Any]:
    """bench/peers.py's minimal pipeline in a fresh process: its seconds, peak RSS and c_npmi."""
    out = paragraphs.with_suffix(f".{peer}.json")
    command = [sys.executable, str(BENCH_DIR / "peers.py"), peer, str(paragraphs), str(out),
               "--topics", str(config.model.num_topics), "--seed", str(config.seed)]
    load = os.getloadavg()[0]
    subprocess.run(command + (["--coherence"] if coherence else []), check=True)
    result = json.loads(out.read_text())
    out.unlink()
    # The peer's own clock, from its first line to the end of its fit: c_npmi, computed after, is not its cost.
    return {**result, "wall_s": result["seconds"], "load": load}


def paragraph_counts(config: Config) -> dict[str, int]:
    """Kept paragraphs per speech file under the config's ingest/clean/segment settings (cached)."""
    from pipeline.stages.clean import clean
    from pipeline.stages.ingest import ingest
    from pipeline.stages.segment import segment

    key = hashlib.sha256(json.dumps([config.ingest.model_dump(), config.clean.model_dump(),
                                     config.segment.model_dump()], sort_keys=True).encode()).hexdigest()[:12]
    cache = archives.CACHE_DIR / f"ungdc-paragraphs-{key}.json"
    if cache.exists():
        return json.loads(cache.read_text())
    print("counting paragraphs per speech (once per clean/segment settings) ...", file=sys.stderr)
    documents = ingest(config.ingest)
    paragraphs = segment(documents, clean(documents, config.clean), config.segment)
    source = {d.doc_id: d.source for d in documents}
    counts = dict.fromkeys(source.values(), 0)
    for p in paragraphs:
        counts[source[p.doc_id]] += p.kept
    cache.write_text(json.dumps(counts, sort_keys=True))
    return counts


def subset(size: str, counts: dict[str, int]) -> Path:
    """A folder of links to speeches, in seeded random order, holding at least `size` kept paragraphs."""
    if size == "all":
        return CORPUS
    files = sorted(counts)
    random.Random(0).shuffle(files)
    folder = SUBSETS / size
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    total = 0
    for path in files:
        if total >= int(size):
            break
        (folder / Path(path).name).symlink_to(path)
        total += counts[path]
    return folder


def in_child(mode: str, config: Config, *extra: str) -> tuple[dict[str, Any], float]:
    """Run this script in `mode` in a fresh process; its JSON result and wall seconds."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        handle.write(config.model_dump_json())
    out = Path(handle.name + ".out")
    try:
        began = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--child", mode, handle.name, str(out), *extra], check=True)
        return json.loads(out.read_text()), time.perf_counter() - began
    finally:
        os.unlink(handle.name)
        out.unlink(missing_ok=True)


def measure(size: str, config: Config, bare: bool, reference_passes: int, peers: list[str],
            rounds: int, coherence: bool) -> dict[str, Any]:
    folder = subset(size, paragraph_counts(config))
    output_dir = Path(tempfile.mkdtemp(prefix="scale-runs-", dir=archives.CACHE_DIR))
    # No stage cache: every round is a fresh run (a second round would otherwise reuse the first one's stages).
    config = config.model_copy(update={"output_dir": str(output_dir),
                                       "ingest": config.ingest.model_copy(update={"path": str(folder)}),
                                       "cache": config.cache.model_copy(update={"enabled": False})})
    try:
        paragraphs = output_dir / "paragraphs.txt"
        if peers:
            in_child("paragraphs", config, str(paragraphs))
        # Project and peers take turns, the order reversed every other round, so a busy spell on this shared
        # machine falls on all of them alike; each figure is the median over the rounds.
        walls, loads, peer_runs = [], [], {peer: [] for peer in peers}
        for round_ in range(rounds):
            order = ["project", *peers] if round_ % 2 == 0 else [*reversed(peers), "project"]
            for who in order:
                if who == "project":
                    print(f"size {size}: themes run on {folder}", file=sys.stderr, flush=True)
                    loads.append(os.getloadavg()[0])
                    run, wall_s = in_child("run", config)
                    walls.append(wall_s)
                else:
                    print(f"size {size}: peer {who}", file=sys.stderr, flush=True)
                    peer_runs[who].append(run_peer(who, paragraphs, config, coherence and round_ == 0))
        result = {"size": size, "wall_s": statistics.median(walls), "walls": walls, "load": statistics.mean(loads),
                  "cpus": os.cpu_count(), **run}
        result["peers"] = {
            peer: {"wall_s": statistics.median(r["wall_s"] for r in runs), "rss_mb": max(r["rss_mb"] for r in runs),
                   "load": statistics.mean(r["load"] for r in runs), "c_npmi": runs[0].get("c_npmi", float("nan"))}
            for peer, runs in peer_runs.items()
        }
        if bare:
            print(f"size {size}: bare model fit and coherence", file=sys.stderr, flush=True)
            result.update(in_child("bare", config, run["run_dir"], str(reference_passes))[0])
        result["mb"] = sum(p.stat().st_size for p in folder.glob("*.txt")) / 1e6 if size != "all" else \
            sum(p.stat().st_size for p in CORPUS.rglob("*.txt")) / 1e6
        return result
    finally:
        shutil.rmtree(output_dir, ignore_errors=True)


def print_tables(results: list[dict[str, Any]]) -> None:
    print("\nseconds per stage")
    print(f"{'size':>8}" + "".join(f"{s:>10}" for s in STAGES) + f"{'wall':>10}")
    for r in results:
        print(f"{r['size']:>8}" + "".join(f"{r['seconds'].get(s, 0):>10.2f}" for s in STAGES) + f"{r['wall_s']:>10.1f}")
    print("\nthroughput, memory, quality")
    head = ("size", "paragraphs", "MB", "tokens", "prep_s", "MB/s", "tokens/s", "rss_MB", "workers_MB",
            "c_npmi", "bare_s", "ratio", "bare_npmi", "gensim_s", "gensim_npmi")
    print("".join(f"{h:>12}" for h in head))
    for r in results:
        prep = sum(r["seconds"][s] for s in PREPROCESSING)
        tokens = r["counts"]["tokenize"]["tokens"]
        cells = (r["size"], r["summary"]["paragraphs_kept"], f"{r['mb']:.1f}", tokens, f"{prep:.1f}",
                 f"{r['mb'] / prep:.2f}", f"{tokens / prep:,.0f}", f"{r['rss_mb']:.0f}", f"{r['workers_rss_mb']:.0f}",
                 f"{r.get('run_c_npmi', float('nan')):.3f}", f"{r.get('bare_s', float('nan')):.1f}",
                 f"{r['wall_s'] / r['bare_s']:.2f}" if "bare_s" in r else "-", f"{r.get('bare_c_npmi', float('nan')):.3f}",
                 f"{r.get('gensim_s', float('nan')):.1f}", f"{r.get('gensim_c_npmi', float('nan')):.3f}")
        print("".join(f"{c:>12}" for c in cells))
    print_comparison(results)


def print_comparison(results: list[dict[str, Any]]) -> None:
    """End to end against the peers' minimal pipelines, and growth from one size to the next."""
    print(f"\nend to end against the peers (median wall seconds; load = 1-minute load average; {os.cpu_count()} CPUs)")
    head = ("size", "who", "wall_s", "vs_fastest", "rss_MB", "c_npmi", "load")
    print("".join(f"{h:>12}" for h in head))
    for r in results:
        rss = r["rss_mb"] + r["workers_rss_mb"]
        rows = [("project", r["wall_s"], rss, r.get("run_c_npmi", float("nan")), r["load"])]
        rows += [(peer, p["wall_s"], p["rss_mb"], p["c_npmi"], p["load"]) for peer, p in r.get("peers", {}).items()]
        fastest = min((p["wall_s"] for p in r.get("peers", {}).values()), default=float("nan"))
        for who, wall, mem, npmi, load in rows:
            cells = (r["size"], who, f"{wall:.1f}", f"{wall / fastest:.2f}", f"{mem:.0f}", f"{npmi:.3f}", f"{load:.1f}")
            print("".join(f"{c:>12}" for c in cells))
    if len(results) > 1:
        print("\ngrowth from the previous size (1.00 = linear in paragraphs; below 1 = better than linear)")
        print("".join(f"{h:>12}" for h in ("from", "to", "paragraphs", "time", "rss")))
        for a, b in zip(results, results[1:]):
            grow = b["summary"]["paragraphs_kept"] / a["summary"]["paragraphs_kept"]
            cells = (a["size"], b["size"], f"x{grow:.2f}", f"{b['wall_s'] / a['wall_s'] / grow:.2f}",
                     f"{(b['rss_mb'] + b['workers_rss_mb']) / (a['rss_mb'] + a['workers_rss_mb']) / grow:.2f}")
            print("".join(f"{c:>12}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["10000", "100000", "all"])
    parser.add_argument("--config", default=str(REPO / "configs" / "ungdc-scale.toml"))
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: the config's)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="section.key=value")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare model fit and coherence")
    parser.add_argument("--gensim-passes", type=int, default=1,
                        help="also fit gensim LdaModel with its defaults and this many passes, for reference (0 = no)")
    parser.add_argument("--peers", nargs="*", default=["tomotopy", "gensim", "sklearn"],
                        help="peers' minimal pipelines (bench/peers.py) to run beside the project (none: --peers)")
    parser.add_argument("--rounds", type=int, default=1, help="turns of project and peers per size (median)")
    parser.add_argument("--no-coherence", action="store_true", help="skip the peers' c_npmi")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, config_file, out, *extra = args.child
        config = Config.model_validate_json(Path(config_file).read_text())
        if mode == "paragraphs":
            result = child_paragraphs(config, Path(extra[0]))
        else:
            result = child_run(config) if mode == "run" else child_bare(config, Path(extra[0]), int(extra[1]))
        Path(out).write_text(json.dumps(result))
        return
    archives.ensure_extracted(ARCHIVE, ARCHIVE_SHA256, EXTRACTED)
    overrides = [f'ingest.path="{CORPUS}"', *args.overrides]
    if args.workers is not None:
        overrides.append(f"workers={args.workers}")
    os.chdir(REPO)  # the config's relative paths (lexicon) are relative to the repository
    config = load_config(args.config, overrides)
    results = []
    for size in args.sizes:
        results.append(measure(size, config, bare=not args.no_bare, reference_passes=args.gensim_passes,
                               peers=args.peers, rounds=args.rounds, coherence=not args.no_coherence))
        print_tables(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(f"\nfigures: {RESULTS}")


if __name__ == "__main__":
    main()
