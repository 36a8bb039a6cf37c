"""Vectorised header parsing and CSV writing with pyarrow compute kernels (when installed).

Same results as the per-line regex path (``parse.parse_chunk``): a header format whose
fields are separated by whitespace is parsed by splitting every line on whitespace at once and
checking/cutting each segment with vectorised kernels; lines that do not fit that shape fall
back to the full regex one by one, so semantics never change, only speed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sentinel_brain.logs.arrays import (
    EMPTY,
    FALSE,
    bool_array,
    int32_scalar,
    int64_array,
    str_scalar,
    string_array,
)
from sentinel_brain.logs.formats import CONTENT, HeaderFormat, literal_regex


@dataclass(frozen=True)
class Segment:
    """One whitespace-delimited piece of a header format."""

    items: tuple[tuple[str, str], ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(v for k, v in self.items if k == "field")


def _segments(hf: HeaderFormat) -> list[Segment] | None:
    """Split the format on whitespace literals; None when the fast path does not apply
    (a literal with regex syntax, such as an optional group, needs the full regex)."""
    if not hf.plain:
        return None
    segs: list[list[tuple[str, str]]] = [[]]
    for kind, value in hf.items:
        if kind == "field":
            segs[-1].append((kind, value))
            continue
        pieces = re.split(r"(\s+)", value)
        for piece in pieces:
            if not piece:
                continue
            if piece.isspace():
                if segs[-1]:
                    segs.append([])
            else:
                segs[-1].append(("lit", piece))
    if not segs[0]:
        return None
    if segs[-1] != [("field", CONTENT)]:
        return None
    return [Segment(tuple(s)) for s in segs]


def _segment_regex(hf: HeaderFormat, seg: Segment) -> str:
    out = "^"
    for i, (kind, value) in enumerate(seg.items):
        if kind == "lit":
            out += literal_regex(value)
        else:
            last = i == len(seg.items) - 1
            pat = hf.field_pattern(value, last)
            out += f"(?P<{value}>{pat})"
    return out + "$"


def _str(a: pa.Array) -> pa.Array:
    a = a.cast(pa.string()) if a.type != pa.string() else a
    return pc.fill_null(a, EMPTY)


def _byte_class_counts(tok: pa.Array, lo: int, hi: int) -> np.ndarray:
    """Per string: how many bytes fall in ``[lo, hi]`` (numpy over the data buffer)."""
    n = len(tok)
    if tok.type != pa.string() or tok.null_count:
        tok = pc.fill_null(tok.cast(pa.string()), EMPTY)
    bufs = tok.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int32)[tok.offset : tok.offset + n + 1]
    if bufs[2] is None or n == 0:
        return np.zeros(n, dtype=np.int64)
    # only the bytes the strings span; int32 counts (Arrow string data is < 2 GiB)
    base = int(offsets[0])
    data = np.frombuffer(bufs[2], dtype=np.uint8)[base : int(offsets[-1])]
    in_class = (data - np.uint8(lo)) <= np.uint8(hi - lo)  # wraps below lo: one compare
    rel = offsets - base
    pos = np.flatnonzero(in_class)
    if len(pos) * 8 < len(data):  # few hits (tabs, control bytes): locate them, no prefix sum
        if not len(pos):
            return np.zeros(n, dtype=np.int64)
        row = np.searchsorted(rel, pos, side="right") - 1
        return np.bincount(row, minlength=n)[:n]
    cum = np.empty(len(data) + 1, dtype=np.int32)
    cum[0] = 0
    np.cumsum(in_class, out=cum[1:], dtype=np.int32)
    return cum[rel[1:]] - cum[rel[:-1]]


def _no_tab(tok: pa.Array) -> pa.Array:
    """No ASCII whitespace other than the space (tab, CR, LF, VT, FF: bytes 9-13)."""
    return bool_array(_byte_class_counts(tok, 9, 13) == 0)


_DIGITY = (r"\S*\d\S*",)


def _valid_token(tok: pa.Array, pat: str) -> pa.Array:
    """Does each token match the field's pattern (whole token)? Cheap kernels when possible.

    Tokens come from splitting on spaces, so they hold none; the caller checks the other
    whitespace (``_no_tab``) where the pattern alone would not.
    """
    if pat == r"\S+":
        return pc.greater(pc.utf8_length(tok), int32_scalar(0))
    if pat in _DIGITY:  # \S*\d\S*: a digit and no whitespace
        digits = _byte_class_counts(tok, 48, 57)
        return bool_array((digits > 0) & (_byte_class_counts(tok, 9, 13) == 0))
    if pat == r"\d+":
        return pc.utf8_is_digit(tok)
    if pat == "[A-Za-z]{3,9}":
        n = pc.utf8_length(tok)
        return pc.and_(
            pc.ascii_is_alpha(tok),
            pc.and_(pc.greater_equal(n, int32_scalar(3)), pc.less_equal(n, int32_scalar(9))),
        )
    return pc.match_substring_regex(tok, f"^(?:{pat})$")


class ArrowHeaderParser:
    """Parses a chunk of lines (a pyarrow string array) into field columns."""

    def __init__(self, hf: HeaderFormat):
        self.hf = hf
        self.fields = hf.fields
        self.segments = _segments(hf)
        self._seg_regex = (
            [_segment_regex(hf, s) for s in self.segments] if self.segments is not None else []
        )
        self._full_regex = hf.pattern

    def parse(self, lines: pa.Array) -> tuple[dict[str, pa.Array], int]:
        """Columns (``""`` for unmatched lines, whose Content is the whole line) and #matched.

        Tiers: split on single spaces (fastest), then on any ASCII whitespace for the lines the
        first tier rejected, then the full regex line by line for what is left.
        """
        n = len(lines)
        if self.segments is not None:
            cols, valid = self._parse_segments(lines, "space")
            n_valid = pc.sum(valid).as_py() or 0
            if n_valid < n:
                bad = pc.invert(valid)
                cols2, valid2 = self._parse_segments(rtrim_newlines(pc.filter(lines, bad)), "ws")
                cols = {
                    f: pc.replace_with_mask(_str(cols[f]), bad, _str(cols2[f])) for f in self.fields
                }
                valid = pc.replace_with_mask(valid, bad, valid2)
        else:
            lines = rtrim_newlines(lines)
            st = pc.extract_regex(lines, self._full_regex)
            valid = st.is_valid()
            cols = {f: st.field(f) for f in self.fields}
        n_valid = pc.sum(valid).as_py() or 0
        if n_valid < n:
            cols, n_valid = self._fallback(lines, cols, valid, n_valid)
        return cols, n_valid

    def _parse_segments(self, lines: pa.Array, mode: str) -> tuple[dict[str, pa.Array], pa.Array]:
        assert self.segments is not None
        nseg = len(self.segments)
        if mode == "space":
            parts = pc.split_pattern(lines, " ", max_splits=nseg - 1)
        else:
            parts = pc.ascii_split_whitespace(lines, max_splits=nseg - 1)
        # token i of row r is values[offsets[r] + i]; rows without exactly nseg tokens are
        # invalid (their gathered tokens are garbage and get replaced later)
        off_arr = parts.offsets
        odt = np.int64 if pa.types.is_large_list(parts.type) else np.int32
        offsets = np.frombuffer(off_arr.buffers()[1], dtype=odt)[
            off_arr.offset : off_arr.offset + len(off_arr)
        ]
        values = parts.values
        valid = bool_array(np.diff(offsets) == nseg)
        if len(values) == 0:
            empty = pa.nulls(len(lines), pa.string())
            return {f: empty for f in self.fields}, bool_array(np.zeros(len(lines), bool))
        starts = np.minimum(offsets[:-1].astype(np.int64), len(values) - 1)
        last = len(values) - 1
        cols: dict[str, pa.Array] = {}
        for i, (seg, rx) in enumerate(zip(self.segments, self._seg_regex, strict=True)):
            tok = values.take(int64_array(np.minimum(starts + i, last)))
            if i == nseg - 1:
                # Content: the rest, spaces/tabs around it stripped like the full regex does
                cols[CONTENT] = pc.utf8_trim(tok, characters=" \t\r\n")
                continue
            items = seg.items
            if len(items) == 1 and items[0][0] == "lit":
                valid = pc.and_(valid, pc.equal(tok, str_scalar(items[0][1])))
                continue
            if len(items) == 1:
                pat = self.hf.field_pattern(items[0][1], True)
                valid = pc.and_(valid, pc.fill_null(_valid_token(tok, pat), FALSE))
                if mode == "space" and pat == r"\S+":
                    valid = pc.and_(valid, _no_tab(tok))
                cols[items[0][1]] = tok
                continue
            if mode == "space":  # a tab inside a token: let the whitespace tier decide
                valid = pc.and_(valid, _no_tab(tok))
            if len(seg.fields) == 1:
                pre = items[0][1] if items[0][0] == "lit" else ""
                suf = items[-1][1] if items[-1][0] == "lit" else ""
                if len(items) == 1 + bool(pre) + bool(suf):
                    if self.hf.field_pattern(seg.fields[0], False) == ".*?":
                        ok = pc.greater_equal(
                            pc.utf8_length(tok), int32_scalar(len(pre) + len(suf))
                        )
                        if pre:
                            ok = pc.and_(ok, pc.starts_with(tok, pre))
                        if suf:
                            ok = pc.and_(ok, pc.ends_with(tok, suf))
                    else:
                        ok = pc.match_substring_regex(tok, rx)
                    valid = pc.and_(valid, pc.fill_null(ok, FALSE))
                    tok = pc.utf8_slice_codeunits(tok, len(pre), -len(suf) if suf else None)
                    cols[seg.fields[0]] = tok
                    continue
            st = pc.extract_regex(tok, rx)
            valid = pc.and_(valid, st.is_valid())
            for f in seg.fields:
                cols[f] = st.field(f)
        valid = pc.fill_null(valid, FALSE)
        return cols, valid

    def _fallback(
        self, lines: pa.Array, cols: dict[str, pa.Array], valid: pa.Array, n_valid: int
    ) -> tuple[dict[str, pa.Array], int]:
        """Lines the vectorised path rejected: the full regex (RE2, linear time)."""
        bad = pc.invert(valid)
        bad_lines = rtrim_newlines(pc.filter(lines, bad))
        st = pc.extract_regex(bad_lines, self._full_regex)
        ok = st.is_valid()
        n_valid += pc.sum(ok).as_py() or 0
        repl: dict[str, pa.Array] = {}
        for f in self.fields:
            # unmatched lines: Content is the whole line, other fields empty
            other = bad_lines if f == CONTENT else pa.nulls(len(bad_lines), pa.string())
            repl[f] = pc.fill_null(pc.if_else(ok, _str(st.field(f)), _str(other)), EMPTY)
        out = {}
        for f in self.fields:
            col = cols.get(f)
            if col is None:
                col = pa.nulls(len(lines), pa.string())
            col = col.cast(pa.string()) if col.type != pa.string() else col
            col = pc.fill_null(col, EMPTY)
            out[f] = pc.replace_with_mask(col, bad, repl[f])
        return out, n_valid


def lines_from_block(
    block: bytes | memoryview, trim: bool = True, max_line_bytes: int | None = None
) -> tuple[pa.Array, int]:
    """A block of whole lines (each ending with a newline) -> (string array of the lines,
    number of lines cut to ``max_line_bytes``).

    Zero-copy: the newline positions become the offsets of an Arrow string array over the
    block (UTF-8 validated by Arrow; invalid bytes are replaced). With ``trim`` the trailing
    CR/LF is removed by a vectorised kernel; ``ArrowHeaderParser`` accepts untrimmed lines.
    Lines longer than ``max_line_bytes`` (newline excluded) are cut, the block copied once.
    """
    if not len(block):
        return string_array([]), 0
    if block[-1] != 10:  # 10: b"\n"
        block = bytes(block) + b"\n"
    data = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(data == 10) + 1
    cut = 0
    if max_line_bytes is not None and len(ends):
        starts = np.empty_like(ends)
        starts[0] = 0
        starts[1:] = ends[:-1]
        long = np.flatnonzero(ends - starts - 1 > max_line_bytes)
        if len(long):
            cut = len(long)
            view = memoryview(block)
            parts: list[bytes | memoryview] = []
            prev = 0
            for i in long:
                parts.append(view[prev : int(starts[i]) + max_line_bytes])
                prev = int(ends[i]) - 1  # keep the newline
            parts.append(view[prev:])
            block = b"".join(parts)
            data = np.frombuffer(block, dtype=np.uint8)
            ends = np.flatnonzero(data == 10) + 1
    big = len(block) >= 2**31 - 1
    offsets = np.empty(len(ends) + 1, dtype=np.int64 if big else np.int32)
    offsets[0] = 0
    offsets[1:] = ends
    cls = pa.LargeStringArray if big else pa.StringArray
    arr = cls.from_buffers(len(ends), pa.py_buffer(offsets), pa.py_buffer(block))
    if data.max() >= 0x80:  # pure ASCII is valid UTF-8
        try:
            arr.validate(full=True)
        except pa.ArrowInvalid:
            fixed = bytes(block).decode("utf-8", errors="replace").encode("utf-8")
            return lines_from_block(fixed, trim)[0], cut
    if trim:
        arr = pc.utf8_rtrim(arr, characters="\r\n")
    return (arr.cast(pa.string()) if big else arr), cut


def rtrim_newlines(arr: pa.Array) -> pa.Array:
    return pc.utf8_rtrim(arr, characters="\r\n")
