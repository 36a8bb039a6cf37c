"""Incremental, crash-proof reading of log files (plain and .gz) with cursors and quarantine.

* A cursor per file records ``inode``, ``offset`` (bytes consumed) and ``size``: a rerun reads
  only the bytes appended since; a rotated file (inode changed) or a truncated one (size below
  the offset) is read from its start. A trailing line without a newline is left for the next run
  (the writer may still be writing it).
* ``.gz`` files are immutable once rotated: re-read when their inode/size/mtime change, skipped
  otherwise. A truncated gzip yields the lines decoded before the damage plus an error.
* Bad input never raises: invalid UTF-8, NUL bytes (binary), over-long lines, unreadable or
  vanished files are counted, sampled and written to a quarantine file; good lines still land.
"""

from __future__ import annotations

import fcntl
import glob
import gzip
import json
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from sentinel_brain.redact import redact

BLOCK = 4 * 1024 * 1024
GZ_BLOCK = 64 * 1024  # small reads: a truncated gzip loses at most this much before the damage
DEFAULT_MAX_LINE_BYTES = 1024 * 1024
SAMPLE_CHARS = 200


@dataclass
class Quarantined:
    """A line or file that could not be ingested. ``sample`` is redacted (``sentinel_brain.redact``)
    and cut to ``SAMPLE_CHARS`` on creation: quarantine files and metadata never hold a raw
    secret."""

    source: str
    reason: str
    sample: str
    line_no: int | None = None
    size: int | None = None

    def __post_init__(self) -> None:
        # redact with some context, then cut (a secret cut in half may not be recognised)
        self.sample = redact(self.sample[: 4 * SAMPLE_CHARS])[:SAMPLE_CHARS]

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "reason": self.reason,
            "line_no": self.line_no,
            "size": self.size,
            "sample": self.sample,
        }


@dataclass
class FileBatch:
    """New lines read from one file (decoded, without line endings)."""

    source: str
    lines: list[str] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cursor: dict[str, int | float] | None = None
    reset: bool = False  # read from the start (new, rotated or truncated file)
    bytes_read: int = 0


def expand_sources(patterns: list[str]) -> list[str]:
    """Glob each pattern (``~`` and env vars expanded); sorted, de-duplicated, files only."""
    seen: dict[str, None] = {}
    for pat in patterns:
        pat = os.path.expandvars(os.path.expanduser(pat.strip()))
        if not pat:
            continue
        matches = glob.glob(pat, recursive=True) if glob.has_magic(pat) else [pat]
        for m in sorted(matches):
            if os.path.isdir(m):
                continue
            seen.setdefault(os.path.abspath(m), None)
    return list(seen)


def _sample(raw: bytes, limit: int = SAMPLE_CHARS) -> str:
    return raw[:limit].decode("utf-8", errors="backslashreplace")


def _open_binary(path: str) -> BinaryIO:
    return open(path, "rb")  # noqa: SIM115 - closed by the caller


def iter_raw_lines(
    fh: BinaryIO, max_line_bytes: int, limit_bytes: int | None = None, block_size: int = BLOCK
) -> Iterator[tuple[bytes, int, bool]]:
    """Yield ``(line, size, complete)`` without line ending; over-long lines are truncated to
    ``max_line_bytes + 1`` bytes (size tells the real length) so memory stays bounded.

    The last item has ``complete=False`` when the data does not end with a newline.
    """
    buf = b""
    dropped = 0  # bytes of the current line beyond the cap
    remaining = limit_bytes
    while True:
        n = block_size if remaining is None else min(block_size, remaining)
        if n <= 0:
            break
        block = fh.read(n)
        if not block:
            break
        if remaining is not None:
            remaining -= len(block)
        start = 0
        while True:
            nl = block.find(b"\n", start)
            if nl < 0:
                piece = block[start:]
                if dropped or len(buf) + len(piece) > max_line_bytes:
                    keep = max(0, max_line_bytes + 1 - len(buf))
                    dropped += len(piece) - min(keep, len(piece))
                    buf += piece[:keep]
                else:
                    buf += piece
                break
            piece = block[start:nl]
            if dropped or len(buf) + len(piece) > max_line_bytes:
                keep = max(0, max_line_bytes + 1 - len(buf))
                size = len(buf) + len(piece) + dropped
                buf += piece[:keep]
                yield buf, size, True
            else:
                line = buf + piece if buf else piece
                yield line, len(line), True
            buf = b""
            dropped = 0
            start = nl + 1
    if buf or dropped:
        yield buf, len(buf) + dropped, False


def decode_line(
    raw: bytes, size: int, max_line_bytes: int, source: str, line_no: int
) -> tuple[str | None, Quarantined | None]:
    """Decode one raw line; a quarantine record instead when it is bad."""
    if size > max_line_bytes:
        return None, Quarantined(
            source, f"line too long ({size} bytes)", _sample(raw), line_no, size
        )
    if b"\x00" in raw:
        return None, Quarantined(
            source, "binary data (NUL bytes)", _sample(raw, size), line_no, size
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return None, Quarantined(
            source, f"invalid utf-8 at byte {e.start}", _sample(raw, size), line_no, size
        )
    if text.endswith("\r"):
        text = text[:-1]
    return text, None


def _looks_binary(head: bytes) -> bool:
    if not head:
        return False
    if b"\x00" in head[:8192] and head[:8192].count(b"\x00") > 16:
        return True
    return False


def read_new_lines(
    path: str,
    cursor: dict | None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    max_bytes: int | None = None,
) -> FileBatch:
    """Read what is new in ``path`` since ``cursor``. Never raises for I/O or data problems."""
    batch = FileBatch(source=path, cursor=dict(cursor) if cursor else None)
    is_gz = path.endswith(".gz")
    try:
        st = os.stat(path)
    except OSError as e:
        batch.errors.append(f"cannot stat {path}: {e.strerror or e}")
        return batch
    prev_inode = int(cursor.get("inode", -1)) if cursor else -1
    prev_offset = int(cursor.get("offset", 0)) if cursor else 0
    if is_gz:
        same = (
            cursor is not None
            and prev_inode == st.st_ino
            and cursor.get("size") == st.st_size
            and cursor.get("mtime") == st.st_mtime
        )
        if same:
            return batch
        offset = 0
        batch.reset = True
    else:
        rotated = prev_inode != st.st_ino or st.st_size < prev_offset
        offset = 0 if (cursor is None or rotated) else prev_offset
        batch.reset = offset == 0
        if st.st_size == offset:
            batch.cursor = {"inode": st.st_ino, "offset": offset, "size": st.st_size}
            return batch
    try:
        fh = _open_binary(path)
    except OSError as e:
        batch.errors.append(f"cannot open {path}: {e.strerror or e}")
        return batch
    consumed = offset
    line_no = 0
    try:
        with fh:
            stream: BinaryIO = gzip.GzipFile(fileobj=fh, mode="rb") if is_gz else fh  # type: ignore[assignment]
            if not is_gz and offset:
                fh.seek(offset)
            head = b""
            if not is_gz and offset == 0:
                head = fh.read(8192)
                fh.seek(0)
            if _looks_binary(head):
                batch.quarantined.append(
                    Quarantined(path, "binary file", _sample(head), None, st.st_size)
                )
                batch.cursor = {"inode": st.st_ino, "offset": st.st_size, "size": st.st_size}
                return batch
            try:
                for raw, size, complete in iter_raw_lines(
                    stream, max_line_bytes, max_bytes, GZ_BLOCK if is_gz else BLOCK
                ):
                    if not complete and not is_gz and size <= max_line_bytes:
                        break  # partial trailing line: wait for the writer
                    line_no += 1
                    consumed += size + (1 if complete else 0)
                    text, bad = decode_line(raw, size, max_line_bytes, path, line_no)
                    if bad is not None:
                        batch.quarantined.append(bad)
                    else:
                        assert text is not None
                        batch.lines.append(text)
            except (EOFError, gzip.BadGzipFile, zlib.error) as e:
                batch.errors.append(f"corrupt or truncated gzip {path}: {e}")
            except OSError as e:
                batch.errors.append(f"read error in {path}: {e.strerror or e}")
    except OSError as e:  # close errors
        batch.errors.append(f"read error in {path}: {e.strerror or e}")
    batch.bytes_read = consumed - offset
    if is_gz:
        batch.cursor = {
            "inode": st.st_ino,
            "offset": consumed,
            "size": st.st_size,
            "mtime": st.st_mtime,
        }
    else:
        batch.cursor = {"inode": st.st_ino, "offset": consumed, "size": st.st_size}
    return batch


# --- state files ----------------------------------------------------------------------------


@contextmanager
def state_lock(state_dir: Path) -> Iterator[None]:
    """Serialise runs that share a state dir (an exclusive ``flock`` on ``state_dir/.lock``)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / ".lock", "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def load_json(path: Path, default: object) -> object:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return default


def save_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str))
    os.replace(tmp, path)


def write_quarantine(qdir: Path, items: list[Quarantined], run_id: str) -> Path | None:
    """Append quarantined lines (JSON lines) to ``qdir/quarantine-<date>.jsonl``."""
    if not items:
        return None
    qdir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    path = qdir / f"quarantine-{now:%Y%m%d}.jsonl"
    with open(path, "a", encoding="utf-8") as fh:
        for q in items:
            rec = q.as_dict() | {"run_id": run_id, "at": now.isoformat()}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path
