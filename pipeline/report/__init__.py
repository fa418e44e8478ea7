"""report.html and charts/*.svg of a run folder, built from its saved files alone (no refitting).

files.py reads the run folder and writes the report into it; figures.py turns tables into chart data and
charts.py draws them as SVG; page.py renders the page (template.html.j2); colors.py gives each theme its colour.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.report.files import ParagraphDigest, load_run_artifacts, save_report
from pipeline.report.page import build_report


def write_report(
    run_dir: Path, sweep: Path | None = None, rebuilt_by: str = "", digest: ParagraphDigest | None = None
) -> list[Path]:
    """(Re)build the report of `run_dir` from its saved files, plus `sweep` when given; return the files written.
    `rebuilt_by` names the command when the run is already finished (recorded in its manifest); `digest` is what
    the report shows of the paragraphs, when counted elsewhere (Spark)."""
    run_dir = Path(run_dir)
    return save_report(run_dir, build_report(load_run_artifacts(run_dir, sweep, digest)), rebuilt_by)
