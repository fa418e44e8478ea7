"""The few errors the pipeline raises on purpose, and the warning it gives when it works around bad input.

The CLI turns each error into one line and an exit code, and prints each warning as one line; both keep their
message on one line even when it quotes a file name or key with a line break in it.
"""

import re
from functools import partial

# Control characters (every line boundary str.splitlines() knows among them) from a file name or a key would
# split the message or drive the terminal; they are shown as escapes instead. Tab stays.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(message: str) -> str:
    """`message` with control characters and line breaks shown as escapes (\\n, \\x00, \\u2028, ...)."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), message)


class PipelineError(Exception):
    """A problem the user can fix: its message is one line naming what was wrong and what is expected."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(one_line(message))


class ConfigError(PipelineError):
    """A config key or value is invalid (unknown key, wrong type, bad override)."""

    exit_code = 2


class InputError(PipelineError):
    """An input path, file, row or column cannot be read as documents."""

    exit_code = 1


class MismatchError(PipelineError):
    """Inputs that are each readable but do not fit together: gold coded for other texts or other themes, a gold
    document that matches none or several of a run's documents, runs on different corpora. A usage error like a
    bad key (exit 2), since scoring anything else would be a silently wrong answer."""

    exit_code = 2


COUNTED_ACTIONS = ("skipped", "repaired", "copied")


class PipelineWarning(UserWarning):
    """Bad input the run worked around: a file skipped, a text repaired, a setting adjusted. One line.

    `action` is one of `COUNTED_ACTIONS` when it changes what is analysed (counted per `reason` in the manifest):
    "skipped", "repaired", or "copied" (a duplicate analysed once and reported under its own name too); "" for a
    notice. `reason` is a short key such as "binary", "duplicate" or "cp1252".
    """

    def __init__(self, message: str, *, reason: str, action: str = ""):
        super().__init__(one_line(message))
        self.reason = reason
        self.action = action

    def __reduce__(self):
        # Warnings raised in worker processes travel back pickled (pipeline/stages/parallel.py).
        return partial(type(self), reason=self.reason, action=self.action), (str(self),)
