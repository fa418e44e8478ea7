"""The few errors the pipeline raises on purpose; the CLI turns each into one line and an exit code."""


class PipelineError(Exception):
    """A problem the user can fix: its message is one line naming what was wrong and what is expected."""

    exit_code = 1


class ConfigError(PipelineError):
    """A config key or value is invalid (unknown key, wrong type, bad override)."""

    exit_code = 2


class InputError(PipelineError):
    """An input path, file, row or column cannot be read as documents."""

    exit_code = 1
