"""The project configuration: ``kexie.toml`` at the project root. Every key is optional.

```toml
themes = "my_themes.toml"      # theme dictionary the build scores with (relative to this file);
                               # default: the packaged src/compare/data/themes.toml
instruments = "my_codebook.toml"  # policy-instrument codebook the build codes with (relative to this
                               # file); default: the packaged src/compare/data/instruments.toml

[report]                       # defaults of every report the build renders (and of `report`)
doc_type = "工作要点"
level = "省级"
top_n = 15

[[reports]]                    # a named custom report: `report --name henan_kepu` and every build
name = "henan_kepu"            # -> reports/henan_kepu.html
province = "河南"
themes = ["科普"]
years = [2019, 2024]

[[reports]]
name = "kepu_2019"
cross = true                   # a cross-province report (default false: a province report)
provinces = ["河南", "湖北"]
years = 2019
themes = "科普"
```

:func:`load_config` reads and validates it declaratively (each key has a type and a rule in
``_REPORT_KEYS`` / ``_TOP_KEYS``): an unknown key, a wrong type or an impossible combination raises
:class:`ConfigError`, one line naming the file, the key and the reason, e.g.
``kexie.toml: reports[1].years: expected a year or a list of years (e.g. [2019, 2024]), got "2019"``.
Values that depend on the corpus (is 河南 a province of the tables? is 科普 a theme of the
dictionary?) are checked when a report is rendered, with the list of known values.

Scalars or lists: ``years``, ``themes`` and ``provinces`` accept one value or a list, as everywhere
in the analyst's API.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compare.core.errors import CompareError
from compare.core.textfile import AnalystFileError, read_text, toml_error_line
from compare.core.vocab import DOC_TYPES, LEVELS

CONFIG_FILE = "kexie.toml"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# file stems the build writes itself: a named report may not take them
RESERVED_NAMES = ("index", "cross_province")
RESERVED_PREFIXES = ("province_", "_", ".")


class ConfigError(CompareError, ValueError):
    """kexie.toml is malformed: names the file, the key and the reason."""

    def __init__(self, path: str | Path, key: str | None, reason: str, line: int | None = None):
        self.path = Path(path)
        self.key = key
        self.reason = reason
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {key}: {reason}" if key else f"{where}: {reason}")


# --------------------------------------------------------------------------------------------------
# the configuration objects
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportDefaults:
    """``[report]``: parameters every report gets unless it sets its own (None = the template's default)."""

    doc_type: str | None = None
    level: str | None = None
    top_n: int | None = None
    years: tuple[int, ...] | None = None
    themes: tuple[str, ...] | None = None

    def as_parameters(self) -> dict[str, Any]:
        return _parameters(self)


@dataclass(frozen=True)
class NamedReport:
    """One ``[[reports]]`` entry. :meth:`kind` is ``cross`` or ``province``."""

    name: str
    cross: bool = False
    province: str | None = None
    provinces: tuple[str, ...] | None = None
    years: tuple[int, ...] | None = None
    themes: tuple[str, ...] | None = None
    doc_type: str | None = None
    level: str | None = None
    top_n: int | None = None

    @property
    def kind(self) -> str:
        return "cross" if self.cross else "province"

    def parameters(self, defaults: ReportDefaults | None = None) -> dict[str, Any]:
        """The report's parameters, over the ``[report]`` defaults (its own values win).

        >>> NamedReport("henan_kepu", province="河南", themes=("科普",)).parameters(ReportDefaults(top_n=10))
        {'top_n': 10, 'province': '河南', 'themes': ['科普']}
        """
        out = dict(defaults.as_parameters()) if defaults is not None else {}
        out.update(_parameters(self, skip=("name", "cross")))
        return out


@dataclass(frozen=True)
class ProjectConfig:
    """What kexie.toml says, with defaults filled in. ``path`` is None when there is no kexie.toml."""

    root: Path
    path: Path | None = None
    themes: Path | None = None  # absolute; None = the packaged dictionary
    instruments: Path | None = None  # absolute; None = the packaged instrument codebook
    report: ReportDefaults = field(default_factory=ReportDefaults)
    reports: tuple[NamedReport, ...] = ()

    @property
    def source(self) -> str:
        return str(self.path) if self.path is not None else f"{CONFIG_FILE} (absent: defaults)"

    @property
    def label(self) -> str:
        """The file's name relative to the project root (for pages that must not depend on where it lives)."""
        if self.path is None:
            return f"{CONFIG_FILE} (absent: defaults)"
        try:
            return Path(self.path).resolve().relative_to(Path(self.root).resolve()).as_posix()
        except ValueError:
            return str(self.path)

    def named(self, name: str) -> NamedReport:
        """The ``[[reports]]`` entry called name; ConfigError listing the names otherwise."""
        for r in self.reports:
            if r.name == name:
                return r
        known = "、".join(r.name for r in self.reports) or "none"
        where = self.path if self.path is not None else self.root / CONFIG_FILE
        raise ConfigError(where, "reports", f"no report named {name!r} (named reports: {known})")


def _parameters(obj, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in obj.__dataclass_fields__:
        value = getattr(obj, key)
        if key in skip or value is None:
            continue
        out[key] = list(value) if isinstance(value, tuple) else value
    return out


# --------------------------------------------------------------------------------------------------
# declarative validation: key -> (converter, what it expects)
# --------------------------------------------------------------------------------------------------


class _Bad(Exception):
    """A value does not fit its key (the reason; the caller adds file and key)."""


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a table"
    return repr(value)


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad(f"expected a non-empty string, got {_show(value)}")
    return value.strip()


def _strings(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v.strip() for v in items):
        raise _Bad(f'expected a string or a non-empty list of strings (e.g. ["科普", "智库"]), got {_show(value)}')
    out = tuple(dict.fromkeys(v.strip() for v in items))
    return out


def _years(value: Any) -> tuple[int, ...]:
    items = [value] if isinstance(value, int) and not isinstance(value, bool) else value
    if (
        not isinstance(items, list)
        or not items
        or not all(isinstance(v, int) and not isinstance(v, bool) and 1949 <= v <= 2100 for v in items)
    ):
        raise _Bad(f"expected a year or a list of years (e.g. [2019, 2024]), got {_show(value)}")
    return tuple(sorted(set(items)))


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _Bad(f"expected a positive integer, got {_show(value)}")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"expected true or false, got {_show(value)}")
    return value


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise _Bad(f"expected one of {'、'.join(choices)}, got {_show(value)}")
        return value

    return check


def _name(value: Any) -> str:
    value = _string(value)
    if not NAME_PATTERN.match(value):
        raise _Bad(
            f"{_show(value)} is not a file-name slug: use lower-case letters, digits, _ and - "
            "(e.g. henan_kepu), at most 64 characters"
        )
    if value in RESERVED_NAMES or value.startswith(RESERVED_PREFIXES):
        raise _Bad(f"{_show(value)} is a name the build uses for its own reports (province_*, cross_province, index)")
    return value


# the value rules of a report's parameters, shared by [report] and [[reports]]
_PARAMETER_KEYS: dict[str, Callable[[Any], Any]] = {
    "doc_type": _choice(DOC_TYPES),
    "level": _choice(LEVELS),
    "top_n": _positive_int,
    "years": _years,
    "themes": _strings,
}
_DEFAULT_KEYS = dict(_PARAMETER_KEYS)
_REPORT_KEYS: dict[str, Callable[[Any], Any]] = {
    "name": _name,
    "cross": _bool,
    "province": _string,
    "provinces": _strings,
    **_PARAMETER_KEYS,
}
_TOP_KEYS = ("themes", "instruments", "report", "reports")
#: the top keys that name an analyst's file (relative to kexie.toml): key -> what the file is
_FILE_KEYS = {"themes": "theme dictionary", "instruments": "instrument codebook"}


def _fields(path: Path, where: str, table: Any, rules: Mapping[str, Callable[[Any], Any]]) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(path, where, f"expected a table, got {_show(table)}")
    out = {}
    for key, value in table.items():
        if key not in rules:
            raise ConfigError(path, f"{where}.{key}", f"unknown key; allowed here: {', '.join(rules)}")
        try:
            out[key] = rules[key](value)
        except _Bad as exc:
            raise ConfigError(path, f"{where}.{key}", str(exc)) from None
    return out


def _named_report(path: Path, where: str, table: Any) -> NamedReport:
    values = _fields(path, where, table, _REPORT_KEYS)
    if "name" not in values:
        raise ConfigError(path, where, 'every [[reports]] needs a name, e.g. name = "henan_kepu"')
    where = f"{where} ({values['name']})"
    if values.get("cross"):
        if "province" in values:
            raise ConfigError(path, f"{where}.province", "a cross report (cross = true) takes provinces = [...], not province")
    else:
        if "provinces" in values:
            raise ConfigError(path, f"{where}.provinces", "a province report takes province = \"...\"; set cross = true to compare provinces")
        if "province" not in values:
            raise ConfigError(path, f"{where}.province", 'a province report needs province = "..." (or cross = true)')
    return NamedReport(**values)


def parse_config(text: str, path: str | Path, root: str | Path | None = None) -> ProjectConfig:
    """Validate the TOML text of a kexie.toml (path names it in errors and anchors relative paths)."""
    path = Path(path)
    root = Path(root) if root is not None else path.parent
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", getattr(exc, "msg", None) or str(exc))
        raise ConfigError(path, None, f"not valid TOML: {message}", line=toml_error_line(exc, text)) from None
    for key in data:
        if key not in _TOP_KEYS:
            hint = " (report defaults go under [report])" if key in _REPORT_KEYS else ""
            raise ConfigError(path, key, f"unknown key{hint}; allowed at the top: {', '.join(_TOP_KEYS)}")
    files = {key: _named_file(path, key, data[key]) for key in _FILE_KEYS if key in data}
    defaults = ReportDefaults(**_fields(path, "report", data.get("report", {}), _DEFAULT_KEYS))
    entries = data.get("reports", [])
    if not isinstance(entries, list):
        raise ConfigError(path, "reports", "expected [[reports]] tables, one per named report")
    reports = []
    seen: set[str] = set()
    for i, entry in enumerate(entries, 1):
        report = _named_report(path, f"reports[{i}]", entry)
        if report.name in seen:
            raise ConfigError(path, f"reports[{i}].name", f"{report.name!r} is used by an earlier report: names must be unique")
        seen.add(report.name)
        reports.append(report)
    return ProjectConfig(root=root, path=path, report=defaults, reports=tuple(reports), **files)


def _named_file(path: Path, key: str, value: Any) -> Path:
    """The absolute path of the file a top key names (relative to kexie.toml); it must exist. Its
    content is read (strictly, compare.core.textfile) and checked by the stage that uses it."""
    what = _FILE_KEYS[key]
    try:
        named = (path.parent / _string(value)).resolve()
    except _Bad as exc:
        raise ConfigError(path, key, f"{exc} (the {what}'s file name)") from None
    if not named.is_file():
        raise ConfigError(path, key, f"{what} {named} does not exist")
    return named


def load_config(root: str | Path) -> ProjectConfig:
    """Read ``<root>/kexie.toml``; the defaults (packaged dictionary, no named reports) when it is absent.

    >>> import tempfile
    >>> load_config(tempfile.mkdtemp()).reports
    ()
    """
    root = Path(root)
    path = root / CONFIG_FILE
    if not path.is_file():
        return ProjectConfig(root=root)
    try:
        text = read_text(path)  # UTF-8 or GB18030, mojibake refused (compare.core.textfile)
    except AnalystFileError as exc:
        raise ConfigError(path, None, exc.reason, line=exc.line) from None
    return parse_config(text, path, root)
