"""The failure-signature catalog, loaded from the YAML files next to this module.

One file per root-cause category (`<category>.yaml`, a list of entries) plus
`wrappers.yaml` (exception types that only wrap the real error). Each entry is validated
with pydantic and its regexes are compiled when this module is imported, so a bad file
fails loudly, naming the file and the entry, instead of silently matching nothing.

An entry matches one exception of the chain when its `types` (qualified-name suffixes, any
of) match the exception type, its `message` regex matches the message and its `code` regex
matches the failing line's code; all given conditions must hold (`either`: the type OR the
message). `frames` is matched (case-sensitive) against the frames' file names, `context`
against the source lines just above the failing line. `text` is a regex used on free text
(logs, a pasted error line). `also` lists secondary categories that stay plausible when
the entry matches; `surface` marks entries that name only a status or class (see
`sentinel_brain.analyzers.prefer_meaning`), `gate` lists lowercase literals one of which a line must
hold for `text` to be tried on it. Confidence is calibrated per entry: ~0.9 when the
match alone pins the root cause, ~0.5 when it is a hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sentinel_brain.errors import CatalogError
from sentinel_brain.models import Category, Severity

_FLAGS = re.IGNORECASE
# Load order: the order the categories are tried in when two entries score the same.
CATEGORY_FILES: tuple[Category, ...] = tuple(c for c in Category if c is not Category.UNKNOWN)


@dataclass(frozen=True)
class Signature:
    """One compiled catalog entry (what the analyzers match against)."""

    id: str
    category: Category
    cause: str
    confidence: float
    remediation: tuple[str, ...]
    types: tuple[str, ...] = ()
    message: re.Pattern[str] | None = None
    code: re.Pattern[str] | None = None
    frames: re.Pattern[str] | None = None
    context: re.Pattern[str] | None = None
    text: re.Pattern[str] | None = None
    fix: str | None = None
    also: tuple[tuple[Category, float], ...] = ()
    severity: Severity | None = None
    # Library/user wrappers that never are a root cause by themselves.
    generic: bool = False
    # Match when the type OR the message matches (instead of both).
    either: bool = False
    # Names only the surface (an HTTP status, an error class or code), not what happened:
    # a wording of another category next to it says more and outranks it.
    surface: bool = False
    # Lowercase literals one of which a line must contain for `text` to be tried there
    # (for patterns whose own literals cannot be derived; see sentinel_brain.analyzers._gate).
    gate: tuple[str, ...] | None = None
    type_names: tuple[str, ...] = field(default=(), compare=False)


class SignatureSpec(BaseModel):
    """The schema of one YAML entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    cause: str = Field(min_length=1)
    confidence: float = Field(gt=0.0, le=1.0)
    remediation: list[str] = Field(min_length=1)
    types: list[str] = Field(default_factory=list)
    message: str | None = None
    code: str | None = None
    frames: str | None = None
    context: str | None = None
    text: str | None = None
    fix: str | None = None
    also: dict[Category, float] = Field(default_factory=dict)
    severity: Severity | None = None
    generic: bool = False
    either: bool = False
    surface: bool = False
    gate: list[str] | None = None

    @field_validator("gate")
    @classmethod
    def _gate_lowercase(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and (not v or any(not g or g != g.lower() for g in v)):
            raise ValueError("gate literals must be non-empty and lowercase")
        return v

    @field_validator("also")
    @classmethod
    def _also_confidences(cls, v: dict[Category, float]) -> dict[Category, float]:
        bad = {c.value: x for c, x in v.items() if not 0.0 < x <= 1.0}
        if bad:
            raise ValueError(f"confidences must be in (0, 1]: {bad}")
        return v

    def compile(self, category: Category) -> Signature:
        if not (self.types or self.message is not None or self.code or self.frames or self.text):
            raise ValueError("an entry needs at least one of types/message/code/frames/text")
        if self.gate is not None and self.text is None:
            raise ValueError("`gate` applies to `text` only")
        if self.either and (not self.types or self.message is None):
            raise ValueError("`either` needs both types and message")
        return Signature(
            id=self.id,
            category=category,
            cause=self.cause,
            confidence=self.confidence,
            remediation=tuple(self.remediation),
            types=tuple(self.types),
            message=_rx(self.message, _FLAGS),
            code=_rx(self.code, _FLAGS),
            frames=_rx(self.frames, 0),
            context=_rx(self.context, _FLAGS),
            text=_rx(self.text, _FLAGS | re.MULTILINE) if self.text else None,
            fix=self.fix,
            also=tuple(self.also.items()),
            severity=self.severity,
            generic=self.generic,
            either=self.either,
            surface=self.surface,
            gate=tuple(self.gate) if self.gate is not None else None,
            type_names=tuple(t.rsplit(".", 1)[-1] for t in self.types),
        )


def _rx(pattern: str | None, flags: int) -> re.Pattern[str] | None:
    if pattern is None:
        return None
    try:
        return re.compile(pattern, flags)
    except re.error as e:
        raise ValueError(f"invalid regex {pattern[:80]!r}: {e}") from e


def parse_entries(category: Category, data: Any, source: str) -> list[Signature]:
    """Validate and compile one file's entries; raises CatalogError naming file and entry."""
    if not isinstance(data, list):
        raise CatalogError(f"{source}: expected a list of entries, got {type(data).__name__}")
    out: list[Signature] = []
    for i, raw in enumerate(data):
        name = raw.get("id", f"#{i}") if isinstance(raw, dict) else f"#{i}"
        try:
            out.append(SignatureSpec.model_validate(raw).compile(category))
        except (ValidationError, ValueError) as e:
            raise CatalogError(f"{source}: entry {name!r}: {e}") from e
    return out


def load_catalog(
    files: dict[Category, str], wrappers: str, source: str = "brain/signatures"
) -> tuple[list[Signature], tuple[str, ...]]:
    """Parse the YAML texts of a catalog (per category) and its wrapper list."""
    sigs: list[Signature] = []
    for category in CATEGORY_FILES:
        if category not in files:
            continue
        fname = f"{source}/{category.value}.yaml"
        try:
            data = yaml.safe_load(files[category])
        except yaml.YAMLError as e:
            raise CatalogError(f"{fname}: not valid YAML: {e}") from e
        sigs.extend(parse_entries(category, data or [], fname))
    seen: dict[str, Category] = {}
    for s in sigs:
        if s.id in seen:
            raise CatalogError(
                f"{source}: duplicate id {s.id!r} ({seen[s.id].value} and {s.category.value})"
            )
        seen[s.id] = s.category
    try:
        wrap = yaml.safe_load(wrappers)
    except yaml.YAMLError as e:
        raise CatalogError(f"{source}/wrappers.yaml: not valid YAML: {e}") from e
    if not isinstance(wrap, list) or not all(isinstance(w, str) and w for w in wrap):
        raise CatalogError(f"{source}/wrappers.yaml: expected a list of exception type names")
    return sigs, tuple(wrap)


def _load_packaged() -> tuple[list[Signature], tuple[str, ...]]:
    root = resources.files(__name__)
    files: dict[Category, str] = {}
    for category in CATEGORY_FILES:
        res = root.joinpath(f"{category.value}.yaml")
        if res.is_file():
            files[category] = res.read_text(encoding="utf-8")
    unknown = sorted(
        p.name
        for p in root.iterdir()
        if p.name.endswith(".yaml")
        and p.name != "wrappers.yaml"
        and p.name[:-5] not in {c.value for c in CATEGORY_FILES}
    )
    if unknown:
        raise CatalogError(f"brain/signatures: files for no known category: {unknown}")
    return load_catalog(files, root.joinpath("wrappers.yaml").read_text(encoding="utf-8"))


SIGNATURES, WRAPPER_TYPES = _load_packaged()
SIGNATURE_COUNT = len(SIGNATURES)

__all__ = [
    "CATEGORY_FILES",
    "SIGNATURES",
    "SIGNATURE_COUNT",
    "WRAPPER_TYPES",
    "Signature",
    "SignatureSpec",
    "load_catalog",
    "parse_entries",
]
