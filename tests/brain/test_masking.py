"""The shared named-mask table: what each mask catches, and linear time on adversarial input."""

from __future__ import annotations

import time

import pytest

from sentinel_brain.fingerprint import message_template
from sentinel_brain.logs.masking import mask
from sentinel_brain.masking import MASKS, apply_masks, select


def _render(name: str) -> str:
    return f"<{name}>"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("see https://example.org/a/b?x=1 now", "URL"),
        ("mail ops.team+x@example.co.uk now", "EMAIL"),
        ("id 123e4567-e89b-12d3-a456-426614174000 now", "UUID"),
        ("from 10.0.0.12:8080 now", "IP"),
        ("mac 00:1b:63:84:45:e6 now", "IP"),
        ("file /var/lib/data/x.csv now", "PATH"),
        (r"file C:\Users\me\x.txt now", "PATH"),
        ("addr 0x7ffee3b0 now", "HEX"),
        ("at 2024-01-02T03:04:05Z now", "TS"),
        ("took 350ms now", "NUM"),
        ("block blk_-1608999687919862906 now", "ID"),
        ("got 42 rows", "NUM"),
        ("got 42.", "NUM"),
    ],
)
def test_each_mask_family(text: str, name: str) -> None:
    assert f"<{name}>" in apply_masks(text, MASKS, _render)


def test_select_and_unknown_names() -> None:
    assert {m.name for m in select(exclude=("STR",))} == {m.name for m in MASKS} - {"STR"}
    with pytest.raises(ValueError, match="unknown mask"):
        select(["NOPE"])


def test_fingerprint_and_logs_share_the_table() -> None:
    msg = "Timeout after 30s talking to 10.1.2.3:5432 for run 123e4567-e89b-12d3-a456-426614174000"
    assert message_template(msg) == "Timeout after <NUM> talking to <IP> for run <UUID>"
    assert mask(msg) == "Timeout after <:NUM:> talking to <:IP:> for run <:UUID:>"


def test_nul_and_control_bytes_do_not_corrupt_templates() -> None:
    out = mask("a\x00b:c \x01d=\x00")
    assert "\x00" in out and "\x01" in out
    assert "<:" not in out and ":>" not in out
    assert out == "a\x00b : c \x01d = \x00"
    # a literal placeholder in the input stays one token (idempotent masking)
    assert mask("x=<:NUM:>") == "x = <:NUM:>"


# One adversarial input per pattern family (~250 KB each): long runs of the characters each
# pattern's repetitions accept, shaped so that a backtracking pattern would go quadratic.
ADVERSARIAL = {
    "url-scheme": "a." * 125_000 + " ://",
    "email-local": "a." * 125_000 + "@",
    "email-domain": "x@" + "a-." * 75_000 + "-",
    "path": "/" * 250_000 + " " + "/a" * 75_000 + "/",
    "windows-path": "\\" * 250_000 + " C:" + "\\a" * 75_000,
    "hex": "0x" + "a" * 250_000 + "g",
    "long-hex": "a1" * 125_000 + "g",
    "clock": "1:" * 125_000,
    "date": "2024-01-" * 25_000,
    "quoted": "'" * 250_000,
    "unit-number": "1" * 250_000 + "m",
    "id": "a_1" * 75_000 + ".",
    "number": "1." * 125_000 + "x",
    "hexy-number": "1a" * 125_000 + "_",
    "kv": "a=" * 125_000,
    "ip": "1.2.3." * 50_000,
    "ipv6": "a:" * 125_000,
}


@pytest.mark.parametrize("family", sorted(ADVERSARIAL))
def test_masks_are_linear_on_adversarial_input(family: str) -> None:
    text = ADVERSARIAL[family]
    t0 = time.perf_counter()
    apply_masks(text, MASKS, _render)
    mask(text)
    elapsed = time.perf_counter() - t0
    # ~250 KB per input: linear patterns take well under a second (a few on a loaded
    # machine); a quadratic one takes minutes
    assert elapsed < 10.0, f"{family}: {elapsed:.1f}s"
