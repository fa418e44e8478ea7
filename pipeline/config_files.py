"""Reading configs: TOML files with `extends`, `--set` overrides, validation that fails in one line naming the key,
and configs/default.toml rendered from the models of config.py."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ValidationError

from pipeline.config import Config
from pipeline.errors import ConfigError


def load_config(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Resolve a config file (with `extends`) plus `section.key=value` overrides into a validated Config."""
    raw = _read_with_extends(Path(path), seen=()) if path else {}
    for override in overrides:
        _apply_override(raw, override)
    return validate(raw)


def validate(raw: dict[str, Any]) -> Config:
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def _read_with_extends(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    try:
        resolved = path.resolve()
    except (OSError, ValueError) as exc:  # a NUL byte in the name, a symlink loop
        raise ConfigError(f"config {path!r}: not a usable path ({exc})") from None
    if resolved in seen:
        chain = " -> ".join(str(p) for p in (*seen, resolved))
        raise ConfigError(f"config {path}: `extends` forms a cycle ({chain})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config {path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {path}: not valid TOML ({exc})") from None
    except (OSError, ValueError) as exc:  # ValueError: undecodable bytes, a NUL in the path
        raise ConfigError(f"config {path}: cannot read ({exc.__class__.__name__})") from None
    except RecursionError:
        raise ConfigError(f"config {path}: not valid TOML (arrays or tables nested too deeply)") from None
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ConfigError(f"config {path}: `extends` must be a file path string")
    # A parent path is relative to the file that names it, so experiment files can move together.
    base = _read_with_extends(path.parent / parent, seen=(*seen, resolved))
    return _deep_merge(base, data)


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def parse_override(text: str) -> tuple[list[str], Any]:
    """`model.num_topics=12` -> (["model", "num_topics"], 12); values parse as TOML, else stay strings."""
    key, sep, value = text.partition("=")
    parts = key.strip().split(".")
    if not sep or not all(p.strip() for p in parts):
        raise ConfigError(f"--set {text!r}: expected section.key=value, e.g. model.num_topics=12")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    except RecursionError:
        raise ConfigError(f"--set {text!r}: value nested too deeply") from None
    return [p.strip() for p in parts], parsed


def _apply_override(raw: dict[str, Any], text: str) -> None:
    parts, value = parse_override(text)
    node = raw
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"--set {text!r}: {part!r} is a value, not a section")
        node = child
    node[parts[-1]] = value


def _describe(exc: ValidationError) -> str:
    """One line for the first problem: the dotted key, what was given and what is allowed."""
    errors = exc.errors()
    err = errors[0]
    loc = _key_parts(err)
    key = ".".join(loc) or "(top level)"
    if err["type"] == "extra_forbidden":
        allowed = ", ".join(_allowed_keys(loc[:-1]))
        where = f"[{'.'.join(loc[:-1])}]" if loc[:-1] else "the top level"
        return f"config: unknown key '{key}'; allowed keys in {where}: {allowed}"
    given = err.get("input")
    shown = json.dumps(given) if isinstance(given, (str, int, float, bool, type(None))) else type(given).__name__
    # A value that fits none of a union's members fails once per member: say all the ways it could be right.
    messages = dict.fromkeys(e["msg"].removeprefix("Value error, ") for e in errors if _key_parts(e) == loc)
    return f"config: {key} = {shown}: {' or '.join(messages)}"


def _key_parts(err: Any) -> list[str]:
    """The config keys of an error location, without list indexes and union member names."""
    parts = [str(part) for part in err["loc"] if not isinstance(part, int)]
    return [p for p in parts if not p.startswith(("literal[", "function-")) and p not in ("float", "str", "int")]


def _allowed_keys(section_path: list[str]) -> list[str]:
    model: type[BaseModel] = Config
    for part in section_path:
        field = model.model_fields.get(part)
        if field is None or not (isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)):
            return []
        model = field.annotation
    return sorted(model.model_fields)


def render_default_toml() -> str:
    """configs/default.toml: every key with its default and a one-line comment, generated from the models."""
    lines = [
        "# Every setting of theme-pipeline with its built-in default. Generated from pipeline/config.py",
        "# (a test keeps the two identical). Experiment files override any subset and may say",
        '# extends = "other.toml". Paths are relative to the directory you run `themes` from.',
        "",
    ]
    defaults = Config()
    for name, field in Config.model_fields.items():
        if not _is_section(field.annotation):
            lines.append(f"# {field.description}")
            lines.append(_toml_line(name, getattr(defaults, name)))
    for name, field in Config.model_fields.items():
        if _is_section(field.annotation):
            lines += ["", f"[{name}]"]
            section = getattr(defaults, name)
            for key, sub in type(section).model_fields.items():
                lines.append(f"# {sub.description}")
                lines.append(_toml_line(key, getattr(section, key)))
    return "\n".join(lines) + "\n"


def _is_section(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _toml_line(key: str, value: Any) -> str:
    if isinstance(value, dict) and not value:
        return f"{key} = {{}}"
    return tomli_w.dumps({key: value}).strip()
