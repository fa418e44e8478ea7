"""Load the theme lexicon: the bundled default or a user file, plus themes given in the config."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path


from pipeline.errors import ConfigError
from pipeline.config import LANGUAGES, LexiconConfig
from pipeline.types import Lexicon

_THEME_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Theme names become CSV columns beside these, so they may not reuse them.
RESERVED_NAMES = frozenset(
    {"other", "unlabeled", "doc_id", "title", "date", "source", "language", "paragraph", "start", "end", "n_tokens",
     "n_paragraphs", "status", "dominant_theme", "top_terms", "text", "evidence", "topic", "theme"}
)
RESERVED_PREFIXES = ("meta_",)  # documents.csv names metadata columns meta_<key>


def default_lexicon_path() -> Path:
    return Path(str(resources.files("pipeline") / "data" / "lexicon.toml"))


def load_lexicon(config: LexiconConfig) -> Lexicon:
    """Themes from `config.path` (or the default file), then `config.themes` added or replacing them."""
    path = Path(config.path) if config.path else default_lexicon_path()
    themes: dict[str, list[str]] = {}
    descriptions: dict[str, str] = {}
    if not config.replace:
        themes, descriptions = _read_file(path)
    for name, seeds in config.themes.items():
        themes[name] = list(seeds)
    if not themes:
        raise ConfigError("config: lexicon has no themes (lexicon.replace = true needs lexicon.themes)")
    for name, seeds in themes.items():
        where = f"lexicon theme '{name}'"
        if not _THEME_NAME.match(name):
            raise ConfigError(f"{where}: names must be lowercase letters, digits and _ (starting with a letter)")
        if name in RESERVED_NAMES or name.startswith(RESERVED_PREFIXES):
            raise ConfigError(f"{where}: the name is reserved for an output column; choose another")
        if not seeds:
            raise ConfigError(f"{where}: needs at least one seed term")
    return Lexicon(themes=themes, descriptions=descriptions)


def _seeds(value: object, where: str) -> list[str]:
    """A theme's seeds: a list, or a table of lists by language (`seeds.en`, `seeds.zh`), in one list.

    Languages need not be kept apart when matching: a Chinese seed's tokens are Han words and an English seed's
    are Latin ones, so each only matches text in its own language, and a mixed corpus is matched by both.
    """
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(LANGUAGES))
        if unknown:
            raise ConfigError(f"{where}: unknown language {unknown[0]!r}; expected {' or '.join(LANGUAGES)}")
        lists = [value[language] for language in LANGUAGES if language in value]
    else:
        lists = [value]
    if not lists or not all(isinstance(seeds, list) and all(isinstance(s, str) for s in seeds) for seeds in lists):
        raise ConfigError(f"{where} must be a list of strings, or lists by language (seeds.en = [...], seeds.zh = [...])")
    return [seed for seeds in lists for seed in seeds]


def _read_file(path: Path) -> tuple[dict[str, list[str]], dict[str, str]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"lexicon.path: {path} not found") from None
    except (OSError, ValueError, RecursionError) as exc:  # ValueError covers TOMLDecodeError and undecodable bytes
        raise ConfigError(f"lexicon.path: {path} is not a readable TOML file ({exc})") from None
    table = data.get("themes")
    if not isinstance(table, dict):
        raise ConfigError(f"lexicon {path}: expected [themes.<name>] tables with `seeds = [...]`")
    themes, descriptions = {}, {}
    for name, entry in table.items():
        themes[name] = _seeds(entry.get("seeds") if isinstance(entry, dict) else None, f"lexicon {path}: themes.{name}.seeds")
        descriptions[name] = str(entry.get("description", ""))
    return themes, descriptions
