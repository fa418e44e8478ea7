"""Spark engine benchmark: the UN General Debates at 100k and all (~312k) paragraphs, local engine against
engine = "spark" on local[2], in the same invocation (issue 21).

    python bench/spark.py [--sizes 100000 all] [--config configs/ungdc-scale.toml] [--master local[2]]
                          [--skip-local] [--set key=value ...]

Uses bench/scale.py's unpacked corpus and subsets (speeches in a seeded random order). Each run is a fresh
process. Spark figures: wall time, the Python driver's peak RSS (the driver holds vocabulary-sized tables only:
it should stay flat from 100k to 312k), the JVM's peak RSS (in local mode the driver JVM is also the executor),
the largest Python worker's RSS, shuffle bytes written and the executor's peak JVM heap (Spark's REST API).
The weights of both runs are compared (largest absolute difference over every theme column of
paragraphs and documents). Prints tables; writes bench/results/spark.json (git-ignored). Never a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))
sys.path.insert(0, str(BENCH_DIR))

from pipeline.config import Config  # noqa: E402
from pipeline.config_files import load_config

import scale  # noqa: E402  (bench/scale.py: corpus, subsets, the local run in a child)

RESULTS = BENCH_DIR / "results" / "spark.json"


def _rss_mb(pid: int, field: str = "VmRSS:") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


class Sampler(threading.Thread):
    """Peak RSS of the JVM (this process's java child) and of its largest Python worker, sampled twice a second."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.jvm_mb = self.worker_mb = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            for jvm in _children(os.getpid()):
                self.jvm_mb = max(self.jvm_mb, _rss_mb(jvm, "VmHWM:"))
                for worker in _children(jvm):
                    self.worker_mb = max(self.worker_mb, sum(_rss_mb(w) for w in [worker, *_children(worker)]))


def _rest(spark: Any, path: str) -> Any:
    url = f"{spark.sparkContext.uiWebUrl}/api/v1/applications/{spark.sparkContext.applicationId}/{path}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def child_spark(config: Config) -> dict[str, Any]:
    from pipeline.engines.spark.session import spark_session
    from pipeline.runner import run

    sampler = Sampler()
    sampler.start()
    spark = spark_session(config)
    reporter = scale.RecordingReporter()
    began = time.perf_counter()
    result = run(config, reporter)
    elapsed = time.perf_counter() - began
    stages = _rest(spark, "stages?status=complete")
    executors = _rest(spark, "allexecutors")
    sampler.stop.set()
    sampler.join()
    heap = max((e.get("peakMemoryMetrics", {}).get("JVMHeapMemory", 0) for e in executors), default=0)
    spark.stop()
    return {
        "run_dir": str(result.run_dir), "run_s": elapsed, "seconds": reporter.seconds, "summary": result.summary,
        "driver_rss_mb": scale.peak_rss_mb()[0], "jvm_rss_mb": sampler.jvm_mb, "worker_rss_mb": sampler.worker_mb,
        "executor_heap_mb": heap / 2**20,
        "shuffle_write_mb": sum(s.get("shuffleWriteBytes", 0) for s in stages) / 2**20,
        "shuffle_read_mb": sum(s.get("shuffleReadBytes", 0) for s in stages) / 2**20,
    }


def in_child(config: Config) -> tuple[dict[str, Any], float]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        handle.write(config.model_dump_json())
    out = Path(handle.name + ".out")
    try:
        began = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--child", handle.name, str(out)], check=True)
        return json.loads(out.read_text()), time.perf_counter() - began
    finally:
        os.unlink(handle.name)
        out.unlink(missing_ok=True)


def _table(run_dir: Path, name: str):
    import pandas as pd

    csv, parquet = run_dir / f"{name}.csv", run_dir / f"{name}.parquet"
    frame = pd.read_csv(csv, keep_default_na=False) if csv.exists() else pd.read_parquet(parquet)
    key = ["doc_id", "paragraph"] if name == "paragraphs" else ["doc_id"]
    return frame.sort_values(key).reset_index(drop=True)


def weight_difference(local_dir: Path, spark_dir: Path) -> float:
    worst = 0.0
    for name in ("paragraphs", "documents"):
        local, ours = _table(local_dir, name), _table(spark_dir, name)
        columns = [c for c in local.columns if local[c].dtype.kind == "f"]
        worst = max(worst, float((local[columns] - ours[columns]).abs().to_numpy().max()))
    return worst


def measure(size: str, config: Config, master: str, skip_local: bool) -> dict[str, Any]:
    folder = scale.subset(size, scale.paragraph_counts(config))
    output_dir = Path(tempfile.mkdtemp(prefix="spark-runs-", dir=scale.archives.CACHE_DIR))
    config = config.model_copy(update={"output_dir": str(output_dir),
                                       "ingest": config.ingest.model_copy(update={"path": str(folder)})})
    settings = {**config.spark.settings, "spark.ui.enabled": "true"}
    spark_config = config.model_copy(update={
        "engine": "spark", "spark": config.spark.model_copy(update={"master": master, "settings": settings}),
    })
    result: dict[str, Any] = {"size": size}
    try:
        if not skip_local:
            print(f"size {size}: local engine", file=sys.stderr, flush=True)
            local, wall = scale.in_child("run", config)
            result["local"] = {"wall_s": wall, "rss_mb": local["rss_mb"], "workers_rss_mb": local["workers_rss_mb"],
                               "paragraphs": local["summary"]["paragraphs"]}
        print(f"size {size}: spark engine on {master}", file=sys.stderr, flush=True)
        ours, wall = in_child(spark_config)
        result["spark"] = {"wall_s": wall, **{k: v for k, v in ours.items() if k not in ("run_dir", "summary")},
                           "paragraphs": ours["summary"]["paragraphs"]}
        if not skip_local:
            result["max_weight_difference"] = weight_difference(Path(local["run_dir"]), Path(ours["run_dir"]))
        return result
    finally:
        import shutil

        shutil.rmtree(output_dir, ignore_errors=True)


def print_tables(results: list[dict[str, Any]]) -> None:
    print(f"{'size':>8} {'paragraphs':>10} {'local s':>8} {'local MB':>9} {'spark s':>8} {'driver MB':>9} "
          f"{'JVM MB':>7} {'worker MB':>9} {'heap MB':>8} {'shuffle MB':>10} {'max |dw|':>9}")
    for r in results:
        local, ours = r.get("local", {}), r["spark"]
        print(f"{r['size']:>8} {ours['paragraphs']:>10} {local.get('wall_s', float('nan')):>8.0f} "
              f"{local.get('rss_mb', float('nan')):>9.0f} {ours['wall_s']:>8.0f} {ours['driver_rss_mb']:>9.0f} "
              f"{ours['jvm_rss_mb']:>7.0f} {ours['worker_rss_mb']:>9.0f} {ours['executor_heap_mb']:>8.0f} "
              f"{ours['shuffle_write_mb']:>10.1f} {r.get('max_weight_difference', float('nan')):>9.1e}")
    print("\nspark seconds per stage:")
    for r in results:
        print(f"  {r['size']}: " + ", ".join(f"{k} {v:.0f}" for k, v in r["spark"]["seconds"].items()))


# MLlib settings tried against the local engine's topics (issue 21: c_npmi within 0.01).
SPARK_LDA = {
    "online": [],
    "online x5": ["spark.lda_iterations=100"],
    "em": ['spark.lda_optimizer="em"', "spark.lda_iterations=100"],
}


def topic_coherence(run_dir: Path, reference: Any, token2id: dict[str, int], top: int = 10) -> float:
    """Mean c_npmi (the sweep's own metric: 10-token windows over the kept paragraphs) of a run's topics."""
    import numpy as np

    from pipeline.stages.metrics import c_npmi, top_term_ids
    from pipeline.store.read import load_topic_terms

    topics = load_topic_terms(run_dir)
    own = top_term_ids(topics.topic_term, top)
    ids = np.array([[token2id[topics.terms[i]] for i in row] for row in own])
    return float(c_npmi(ids, reference).mean())


def coherence_rows(name: str, make_config: Any) -> list[dict[str, Any]]:
    """c_npmi of the local engine's topics and of MLlib's under each SPARK_LDA setting, on one corpus
    (`make_config(overrides)` gives its config)."""
    from pipeline.progress import SilentReporter
    from pipeline.runner import prepare, run
    from pipeline.stage_runner import Stages
    from pipeline.store.cache import StageCache

    config = make_config([])
    prepared = prepare(config, Stages(SilentReporter(), StageCache.for_config(config)))
    texts = [tokens for tokens, keep in zip(prepared.tokenized.tokens, prepared.kept) if keep]
    token2id = prepared.vectors.dictionary.token2id
    from pipeline.stages.metrics import reference_corpus

    reference = reference_corpus(texts, token2id)
    rows = []
    began = time.perf_counter()
    local = run(config)
    rows.append({"corpus": name, "engine": f"local ({config.model.engine})", "s": time.perf_counter() - began,
                 "c_npmi": topic_coherence(local.run_dir, reference, token2id)})
    for setting, overrides in SPARK_LDA.items():
        spark = make_config(['engine="spark"', "spark.partitions=2", *overrides])
        began = time.perf_counter()
        ours = run(spark)
        rows.append({"corpus": name, "engine": f"spark {setting}", "s": time.perf_counter() - began,
                     "c_npmi": topic_coherence(ours.run_dir, reference, token2id)})
    return rows


def coherence(overrides: list[str]) -> list[dict[str, Any]]:
    """The sample and 20 Newsgroups (distinct5, 1,000 posts, bench/newsgroups.py's corpus and lexicon)."""
    import newsgroups

    work = Path(tempfile.mkdtemp(prefix="spark-coherence-", dir=scale.archives.CACHE_DIR))
    try:
        rows = coherence_rows(
            "sample", lambda more: load_config(None, [f"output_dir={json.dumps(str(work / 'sample'))}", *overrides, *more])
        )
        preset, groups = newsgroups.parse_groups("distinct5")
        posts, _ = newsgroups.sample_corpus(newsgroups.ensure_extracted(), "train", groups, 200, 42, 20)
        lexicon = newsgroups.load_group_lexicon(groups)
        (work / "ng").mkdir()
        corpus, lexicon_path = newsgroups.write_inputs(work / "ng", posts, lexicon)
        ng_overrides = [*newsgroups.pipeline_overrides(work / "ng", corpus, lexicon_path, preset, 42), *overrides]

        def ng(more: list[str]) -> Config:
            return newsgroups.resolve_config(None, [*ng_overrides, *more], len(lexicon))[0]

        return rows + coherence_rows("20ng distinct5", ng)
    finally:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        config = Config.model_validate_json(Path(sys.argv[2]).read_text())
        Path(sys.argv[3]).write_text(json.dumps(child_spark(config)))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["100000", "all"])
    parser.add_argument("--config", default=str(BENCH_DIR.parent / "configs" / "ungdc-scale.toml"))
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--skip-local", action="store_true", help="time the Spark engine only")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--coherence", action="store_true",
                        help="only c_npmi of MLlib's topics against the local engine's (sample, 20 Newsgroups)")
    args = parser.parse_args()
    if args.coherence:
        rows = coherence(args.overrides)
        print(f"load average {os.getloadavg()[0]:.1f}")
        print(f"{'corpus':<16} {'engine':<22} {'seconds':>8} {'c_npmi':>8}")
        for row in rows:
            print(f"{row['corpus']:<16} {row['engine']:<22} {row['s']:>8.0f} {row['c_npmi']:>8.4f}")
        return
    scale.archives.ensure_extracted(scale.ARCHIVE, scale.ARCHIVE_SHA256, scale.EXTRACTED)
    config = load_config(args.config, ["report.enabled=false", *args.overrides])
    results = [measure(size, config, args.master, args.skip_local) for size in args.sizes]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print_tables(results)


if __name__ == "__main__":
    main()
