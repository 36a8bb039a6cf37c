"""Schema of the signature catalog: the packaged files load, and bad files fail loudly."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from sentinel_brain.errors import CatalogError
from sentinel_brain.models import Category
from sentinel_brain.signatures import CATEGORY_FILES, SIGNATURES, WRAPPER_TYPES, load_catalog

ROOT = Path(__file__).resolve().parents[2]


def test_packaged_catalog_loads_every_category() -> None:
    cats = {s.category for s in SIGNATURES}
    assert cats == set(CATEGORY_FILES), set(CATEGORY_FILES) - cats
    assert len({s.id for s in SIGNATURES}) == len(SIGNATURES)
    assert "DagsterExecutionStepExecutionError" in WRAPPER_TYPES
    for s in SIGNATURES:
        assert s.remediation, s.id
        assert 0 < s.confidence <= 1, s.id


def test_catalog_files_ship_as_package_data() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["*"]
    assert "*.yaml" in patterns
    assert (ROOT / "brain" / "signatures" / "__init__.py").is_file()  # a package: data ships
    files = {p.name for p in resources.files("sentinel_brain.signatures").iterdir()}
    assert {f"{c.value}.yaml" for c in CATEGORY_FILES} | {"wrappers.yaml"} <= files


_GOOD = "- id: a_sig\n  cause: c\n  confidence: 0.5\n  types: [KeyError]\n  remediation: [r]\n"


def _load(text: str, wrappers: str = "- X\n") -> None:
    load_catalog({Category.CONFIG_ERROR: text}, wrappers, source="t")


def test_a_valid_entry_compiles() -> None:
    sigs, wrappers = load_catalog({Category.TIMEOUT: _GOOD}, "- Wrap\n", source="t")
    assert [(s.id, s.category, s.type_names) for s in sigs] == [
        ("a_sig", Category.TIMEOUT, ("KeyError",))
    ]
    assert wrappers == ("Wrap",)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (_GOOD.replace("types: [KeyError]", "message: '(unclosed'"), "invalid regex"),
        (_GOOD + "  colour: red\n", "colour"),
        (_GOOD.replace("  remediation: [r]\n", ""), "remediation"),
        (_GOOD.replace("0.5", "1.5"), "confidence"),
        (_GOOD.replace("  types: [KeyError]\n", ""), "at least one of"),
        (_GOOD + "  also: {nonsense: 0.3}\n", "also"),
        (_GOOD + _GOOD, "duplicate id"),
        (_GOOD + "  text: x\n  gate: [Upper]\n", "lowercase"),
        (_GOOD + "  gate: [x]\n", "`gate` applies to `text` only"),
        ("id: not-a-list\n", "expected a list"),
        ("- id: [unclosed\n", "not valid YAML"),
    ],
)
def test_a_bad_entry_fails_naming_file_and_entry(text: str, needle: str) -> None:
    with pytest.raises(CatalogError) as err:
        _load(text)
    msg = str(err.value)
    assert needle in msg
    assert msg.startswith("t")
    if "entry" in msg:
        assert "'a_sig'" in msg


def test_bad_wrapper_list_fails() -> None:
    with pytest.raises(CatalogError, match="wrappers.yaml"):
        _load(_GOOD, wrappers="a: b\n")


_ADVERSARIAL = [
    "a" * 4000,
    " " * 4000,
    "a " * 2000,
    "a." * 2000,
    "Error: " * 600,
    "\\" * 4000,
    "'" * 4000,
    '"' * 4000,
    "((" * 2000,
    "0" * 4000,
    "1 " * 2000,
    "-" * 4000,
    "/" * 4000,
    "ab1_" * 1000,
    "exit code " * 400,
    "does not exist " * 250,
    "x" * 3999 + "\n",
]


def test_every_catalog_regex_is_linear_on_adversarial_input() -> None:
    import time

    slow: list[str] = []
    for s in SIGNATURES:
        for field in ("message", "code", "frames", "context", "text"):
            rx = getattr(s, field)
            if rx is None:
                continue
            # 17 inputs of 16 KB: linear patterns take a few ms in all; a quadratic one
            # (e.g. `\d+ x` on a long digit run) takes a second or more, every time. The best
            # of five keeps a busy machine's pauses from looking like backtracking.
            best = float("inf")
            for _ in range(5):
                start = time.perf_counter()
                for text in _ADVERSARIAL:
                    rx.search(text * 4)
                best = min(best, time.perf_counter() - start)
                if best <= 0.3:
                    break
            if best > 0.3:
                slow.append(f"{s.id}.{field}")
    assert not slow, slow
