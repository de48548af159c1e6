"""corpus.toml -> a typed, validated BuildConfig."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import tomllib
import zoneinfo
from pathlib import Path, PurePosixPath
from typing import Any, Mapping

import jsonschema

from corpus_lib.hub_metadata import allowed_values
from corpus_lib.schema import CONFIG_SCHEMA_FILE, load_json_schema

CONFIG_FILE_NAME = "corpus.toml"
# Folders whose source BuildConfig.source_for keeps (a few MB at most).
_FOLDERS_KEPT = 65_536


class ConfigError(ValueError):
    """The config file is unreadable or invalid; the message names the file and the key."""


@dataclasses.dataclass(frozen=True)
class SourceConfig:
    key: str
    name: str
    path: str
    homepage: str | None = None
    timezone: str | None = None
    language: str | None = None


@dataclasses.dataclass(frozen=True)
class SplitConfig:
    test: float = 0.1
    validation: float = 0.0
    salt: str = "v1"
    cutoff: str | None = None

    @property
    def train(self) -> float:
        return 1.0 - self.test - self.validation


@dataclasses.dataclass(frozen=True)
class BuildConfig:
    name: str = "corpus"
    pretty_name: str | None = None
    license: str = "other"
    license_name: str | None = None  # with license "other": the Hub's license_name / license_link
    license_link: str | None = None
    description: str | None = None
    default_timezone: str = "UTC"
    default_language: str | None = None
    sources: tuple[SourceConfig, ...] = ()
    splits: SplitConfig = SplitConfig()
    exact_dedup: bool = True
    near_dedup: str = "drop"  # 'drop', 'mark' or 'off'
    near_threshold: float = 0.8
    near_num_perm: int = 128
    near_shingle: int = 5
    max_rows_per_shard: int = 100_000
    max_bytes_per_shard: int = 500 * 1024 * 1024
    max_page_bytes: int = 20 * 1024 * 1024
    max_lines: int = 200_000

    def source_for(self, source_file: str) -> SourceConfig:
        """The configured source whose folder holds `source_file`, else a default one."""
        # The answer depends only on the file's folder, and a build asks twice a page (~7 us each with
        # pathlib), so it is kept per folder, up to a bound.
        folder, slash, name = source_file.rpartition("/")
        if not slash or name in ("", "."):  # pathlib drops a last "." part
            return self._source_in(source_file)
        known = self._sources_by_folder
        found = known.get(folder)
        if found is None:
            found = self._source_in(source_file)
            if len(known) < _FOLDERS_KEPT:
                known[folder] = found
        return found

    @functools.cached_property
    def _sources_by_folder(self) -> dict[str, SourceConfig]:
        return {}

    def _source_in(self, source_file: str) -> SourceConfig:
        parts = PurePosixPath(source_file).parts
        for source in self.sources:
            prefix = PurePosixPath(source.path).parts
            if parts[: len(prefix)] == prefix and len(parts) > len(prefix):
                return source
        key = parts[0] if len(parts) > 1 else "_root"
        return SourceConfig(key=key, name=key, path=key, timezone=None, language=self.default_language)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def find_config(src: Path, explicit: Path | None) -> Path | None:
    if explicit is not None:
        return explicit
    candidate = src / CONFIG_FILE_NAME
    return candidate if candidate.is_file() else None


def load_config(path: Path | None) -> BuildConfig:
    """Read and validate a corpus.toml; None gives the defaults."""
    if path is None:
        return BuildConfig()
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: config file not found") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return config_from_dict(raw, origin=str(path))


def config_from_dict(raw: Mapping[str, Any], origin: str = "<config>") -> BuildConfig:
    schema = load_json_schema(CONFIG_SCHEMA_FILE)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        first = errors[0]
        where = ".".join(map(str, first.absolute_path)) or "<top level>"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ConfigError(f"{origin}: {where}: {first.message}{more}")

    dataset = raw.get("dataset", {})
    defaults = raw.get("defaults", {})
    splits = raw.get("splits", {})
    output = raw.get("output", {})
    limits = raw.get("limits", {})
    dedup = raw.get("dedup", {})
    split_config = SplitConfig(
        test=float(splits.get("test", 0.1)),
        validation=float(splits.get("validation", 0.0)),
        salt=splits.get("salt", "v1"),
        cutoff=splits.get("cutoff"),
    )
    if split_config.cutoff is not None:
        try:
            datetime.date.fromisoformat(split_config.cutoff)
        except ValueError as exc:
            raise ConfigError(f"{origin}: splits.cutoff: not a real day: {split_config.cutoff!r}") from exc
    if split_config.train <= 0:
        raise ConfigError(f"{origin}: splits: test + validation must leave a share for train")

    sources = []
    for key, table in sorted(raw.get("sources", {}).items()):
        path = table.get("path", key)
        if PurePosixPath(path).is_absolute() or ".." in PurePosixPath(path).parts:
            raise ConfigError(f"{origin}: sources.{key}.path: must be a folder inside SRC, got {path!r}")
        timezone = table.get("timezone")
        _check_timezone(timezone, f"{origin}: sources.{key}.timezone")
        sources.append(
            SourceConfig(
                key=key,
                name=table.get("name", key),
                path=path,
                homepage=table.get("homepage"),
                timezone=timezone,
                language=table.get("language", defaults.get("language")),
            )
        )
    license_id = dataset.get("license", "other")
    if license_id not in allowed_values()["license"]:
        raise ConfigError(f"{origin}: dataset.license: {license_id!r} is not a Hugging Face Hub license id (e.g. cc-by-4.0, apache-2.0, other)")
    default_tz = defaults.get("timezone", "UTC")
    _check_timezone(default_tz, f"{origin}: defaults.timezone")
    # Longest folder first, so a nested source wins over its parent.
    sources.sort(key=lambda s: (-len(PurePosixPath(s.path).parts), s.path))
    return BuildConfig(
        name=dataset.get("name", "corpus"),
        pretty_name=dataset.get("pretty_name"),
        license=license_id,
        license_name=dataset.get("license_name"),
        license_link=dataset.get("license_link"),
        description=dataset.get("description"),
        default_timezone=default_tz,
        default_language=defaults.get("language"),
        sources=tuple(sources),
        splits=split_config,
        exact_dedup=dedup.get("exact", True),
        near_dedup=dedup.get("near", "drop"),
        near_threshold=float(dedup.get("threshold", 0.8)),
        near_num_perm=dedup.get("num_perm", 128),
        near_shingle=dedup.get("shingle", 5),
        max_rows_per_shard=output.get("max_rows_per_shard", 100_000),
        max_bytes_per_shard=output.get("max_bytes_per_shard", 500 * 1024 * 1024),
        max_page_bytes=limits.get("max_page_bytes", 20 * 1024 * 1024),
        max_lines=limits.get("max_lines", 200_000),
    )


def _check_timezone(name: str | None, where: str) -> None:
    if name is None:
        return
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{where}: unknown IANA time zone {name!r}") from exc
