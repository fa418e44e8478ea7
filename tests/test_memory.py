"""pipeline/memory.py: giving freed memory back is safe to call anywhere, any number of times."""

from __future__ import annotations

from pipeline.memory import release_freed_memory


def test_releasing_freed_memory_changes_nothing_the_run_holds():
    held = [str(i) * 100 for i in range(10_000)]
    freed = [str(i) * 100 for i in range(10_000)]
    del freed
    release_freed_memory()
    release_freed_memory()
    assert held[9_999] == "9999" * 100
