"""Streaming structured parsing: lines -> header fields + Content -> template ids -> CSV.

The engine behind ``sentinel logs parse``. It streams the input in chunks twice:

1. *mine*: parse headers, mask each distinct Content once, mine each distinct masked
   message once (drain3), so the template tree is final;
2. *write*: parse again and write Loghub's structured CSV (``LineId``, header fields,
   ``EventId``, ``EventTemplate``) chunk by chunk with the final templates.

Memory is bounded by the chunk size and the (capped) distinct-message caches, not the input.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import tempfile
import zlib
from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sentinel_brain.logs.formats import (
    CONTENT,
    LineParser,
    LogFormatError,
    LogInputError,
    detect_format,
    make_parser,
)
from sentinel_brain.logs.miner import TemplateEngine

CHUNK_LINES = 100_000
_READ_BYTES = 8 * 1024 * 1024
CSV_SLICE_ROWS = 8192
SAMPLE_LINES = 200
MAX_LINE_BYTES = 64 * 1024


@dataclass(frozen=True)
class ParseSettings:
    """Tuning of one parse, passed in by the caller (nothing is read from the environment).

    ``threads``: workers parsing blocks (pass 1) and formatting CSV (pass 2); Arrow kernels,
    the CSV writer and numpy release the GIL. Capped at the number of CPUs.
    ``spool_memory_bytes``: parsed columns kept in RAM before spooling to a temp file.
    ``use_arrow``: the vectorised path when pyarrow is installed.
    ``max_line_bytes``: longer lines are cut to this many bytes (counted in
    ``ParseStats.truncated_lines``), so one huge line costs bounded time and memory.
    """

    threads: int = 2
    spool_memory_bytes: int = 256 * 1024 * 1024
    use_arrow: bool = True
    max_line_bytes: int = MAX_LINE_BYTES

    def __post_init__(self) -> None:
        if self.threads < 1 or self.spool_memory_bytes < 0 or self.max_line_bytes < 1:
            raise ValueError(f"invalid parse settings: {self}")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ParseSettings:
        """Settings from ``SENTINEL_LOGS_*`` variables of ``env`` (for entry points)."""
        d = cls()
        try:
            return cls(
                threads=int(env.get("SENTINEL_LOGS_THREADS", d.threads)),
                spool_memory_bytes=int(env.get("SENTINEL_LOGS_SPOOL_MEMORY", d.spool_memory_bytes)),
                use_arrow=not env.get("SENTINEL_LOGS_NO_ARROW"),
                max_line_bytes=int(env.get("SENTINEL_LOGS_MAX_LINE_BYTES", d.max_line_bytes)),
            )
        except ValueError as e:
            raise ValueError(f"invalid SENTINEL_LOGS_* setting: {e}") from e


@dataclass
class ParseStats:
    lines: int = 0
    matched: int = 0
    templates: int = 0
    log_format: str = ""
    truncated_lines: int = 0
    warnings: list[str] = field(default_factory=list)


def iter_line_chunks(
    path: str,
    chunk_lines: int = CHUNK_LINES,
    stats: ParseStats | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Iterator[list[str]]:
    """Decoded lines (invalid UTF-8 replaced, CR/LF stripped, cut to ``max_line_bytes``) in
    chunks; .gz transparently. Raises LogInputError when the input cannot be read as a log."""
    stats = stats if stats is not None else ParseStats()
    out: list[str] = []
    for block in iter_byte_blocks(path, stats=stats, max_line_bytes=max_line_bytes):
        for raw in bytes(block).split(b"\n")[:-1]:  # a block ends with a newline
            if len(raw) > max_line_bytes:
                raw = raw[:max_line_bytes]
                stats.truncated_lines += 1
            out.append(raw.decode("utf-8", errors="replace").rstrip("\r"))
        while len(out) >= chunk_lines:
            yield out[:chunk_lines]
            out = out[chunk_lines:]
    if out:
        yield out


def sample_lines(
    path: str, n: int = SAMPLE_LINES, max_line_bytes: int = MAX_LINE_BYTES
) -> list[str]:
    for chunk in iter_line_chunks(path, chunk_lines=n, max_line_bytes=max_line_bytes):
        return chunk
    return []


def resolve_parser(
    path: str, log_format: str | None, max_line_bytes: int = MAX_LINE_BYTES
) -> LineParser:
    """The parser for ``--log-format`` (may raise LogFormatError), or detect from a sample."""
    if log_format is None or log_format.strip().lower() in ("", "auto"):
        return detect_format(sample_lines(path, max_line_bytes=max_line_bytes))
    parser = make_parser(log_format)
    if os.path.isdir(path):
        raise LogInputError(f"{path}: is a directory")
    with open(path, "rb"):  # an unreadable input is reported before any output is written
        pass
    return parser


def parse_chunk(lines: list[str], parser: LineParser) -> tuple[dict[str, list[str]], int]:
    """Header fields per line (empty when the line does not match; Content = the line)."""
    fields = parser.fields
    cols: dict[str, list[str]] = {f: [] for f in fields}
    matched = 0
    for ln, rec in zip(lines, parser.parse_many(lines), strict=True):
        if rec is None:
            rec = {CONTENT: ln}
        else:
            matched += 1
        for f in fields:
            cols[f].append(rec.get(f, ""))
    return cols, matched


def _open_log(path: str) -> tuple[io.BufferedReader, io.BufferedIOBase]:
    """(raw file, stream to read): a ``.gz`` is decompressed. Errors name the input."""
    if os.path.isdir(path):
        raise LogInputError(f"{path}: is a directory")
    raw = open(path, "rb")  # noqa: SIM115 - the caller closes both
    if not path.endswith(".gz"):
        return raw, raw
    return raw, gzip.GzipFile(fileobj=raw, mode="rb")


def iter_byte_blocks(
    path: str,
    block_bytes: int = _READ_BYTES,
    stats: ParseStats | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Iterator[bytes | memoryview]:
    """Raw blocks of whole lines (each ends with a newline; one is added to a last partial
    line); .gz transparently.

    A line longer than a block is cut to ``max_line_bytes`` here, and the rest of it skipped
    as it is read (counted in ``stats.truncated_lines``), so memory stays bounded by the
    block size; longer lines inside a block are cut by the consumer. A ``.gz`` that is not
    gzip at all raises LogInputError; one truncated after some data ends the stream there,
    with a warning.
    """
    stats = stats if stats is not None else ParseStats()
    raw, stream = _open_log(path)
    gz = stream is not raw
    if gz:
        block_bytes = min(block_bytes, 64 * 1024)  # keep data before a truncation
    pending = b""
    skipping = False  # inside an over-long line whose kept head is in ``pending``
    produced = 0
    try:
        while True:
            try:
                # read1: a gzip's data up to a truncation is returned before the error
                block = stream.read1(block_bytes) if gz else stream.read(block_bytes)
            except gzip.BadGzipFile as e:
                if not produced:
                    raise LogInputError(f"{path}: not a readable gzip file ({e})") from e
                stats.warnings.append(f"input corrupt after {produced} bytes: {e}")
                block = b""
            except (EOFError, zlib.error) as e:
                stats.warnings.append(f"input truncated or corrupt after {produced} bytes: {e}")
                block = b""
            if not block:
                break
            produced += len(block)
            if skipping:
                nl = block.find(b"\n")
                if nl < 0:
                    continue
                block = block[nl:]  # the newline ends the kept head
                skipping = False
            data = pending + block if pending else block
            cut = data.rfind(b"\n")
            if cut < 0:
                if len(data) > max_line_bytes:
                    pending, skipping = data[:max_line_bytes], True
                    stats.truncated_lines += 1
                else:
                    pending = data
                continue
            pending = data[cut + 1 :]
            yield memoryview(data)[: cut + 1]
        if pending:
            yield pending + b"\n"
    finally:
        stream.close()
        raw.close()


def _have_arrow(settings: ParseSettings) -> bool:
    if not settings.use_arrow:
        return False
    try:
        import pyarrow  # noqa: F401
        import pyarrow.csv  # noqa: F401
    except ImportError:
        return False
    return True


def parse_to_csv(
    path: str,
    log_format: str | None,
    out: BinaryIO,
    chunk_lines: int = CHUNK_LINES,
    engine: TemplateEngine | None = None,
    settings: ParseSettings | None = None,
) -> ParseStats:
    """Write Loghub's structured CSV for ``path`` to the binary stream ``out``.

    Uses pyarrow's vectorised kernels when pyarrow is installed, else a per-line path with
    the same output. Raises LogFormatError for a malformed format, or one that matches none
    of the lines; LogInputError for an input that is not a readable log (a directory, a
    ``.gz`` that is not gzip); OSError as the file system reports it.
    """
    settings = settings or ParseSettings()
    parser = resolve_parser(path, log_format, settings.max_line_bytes)
    stats = ParseStats(log_format=parser.name)
    engine = engine or TemplateEngine()
    if _have_arrow(settings):
        _arrow_parse_to_csv(path, parser, out, engine, stats, settings)
    else:
        _python_parse_to_csv(path, parser, out, chunk_lines, engine, stats, settings)
    return stats


def _check_matched(path: str, parser: LineParser, stats: ParseStats) -> None:
    if stats.lines and not stats.matched and parser.kind != "raw":
        raise LogFormatError(
            f"log format {parser.name!r} matched none of the {stats.lines} lines of {path}"
        )


def _arrow_parse_to_csv(
    path: str,
    parser: LineParser,
    out: BinaryIO,
    engine: TemplateEngine,
    stats: ParseStats,
    settings: ParseSettings,
) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.ipc as ipc

    from sentinel_brain.logs.arrays import EMPTY, int64_array, string_array
    from sentinel_brain.logs.fastparse import ArrowHeaderParser, lines_from_block

    fast = ArrowHeaderParser(parser.header) if parser.header is not None else None
    names = list(parser.fields)
    with tempfile.TemporaryDirectory(prefix="sentinel-logs-") as tmpdir:
        spool = os.path.join(tmpdir, "chunks.arrow")
        writer = None
        sink = None
        in_memory: list[Any] = []  # parsed batches kept in RAM up to settings.spool_memory_bytes
        in_memory_bytes = 0
        # pass 1: parse + mine each distinct message once; keep the parsed columns (in memory
        # up to a budget, then spooled to a temp file, so memory stays bounded).
        # Parsing runs in worker threads (Arrow kernels release the GIL), mining in order.

        def parse_block(block: bytes | memoryview) -> tuple[int, int, int, list[pa.Array], Any]:
            lines, cut = lines_from_block(
                block, trim=fast is None, max_line_bytes=settings.max_line_bytes
            )
            if fast is not None:
                cols, matched = fast.parse(lines)  # accepts lines with their CR/LF
            else:
                pcols, matched = parse_chunk(lines.to_pylist(), parser)
                cols = {f: string_array(v) for f, v in pcols.items()}
            arrays = [pc.fill_null(cols[f].cast(pa.string()), EMPTY) for f in names]
            enc = pc.dictionary_encode(arrays[names.index(CONTENT)])
            return len(lines), matched, cut, arrays, enc

        workers = max(1, min(settings.threads, os.cpu_count() or 1))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            inflight: deque[Future[tuple[int, int, int, list[pa.Array], Any]]] = deque()
            blocks = iter_byte_blocks(path, stats=stats, max_line_bytes=settings.max_line_bytes)
            while True:
                while len(inflight) <= workers:
                    block = next(blocks, None)
                    if block is None:
                        break
                    inflight.append(pool.submit(parse_block, block))
                if not inflight:
                    break
                n, matched, cut, arrays, enc = inflight.popleft().result()
                stats.lines += n
                stats.truncated_lines += cut
                stats.matched += matched
                cids = engine.add(enc.dictionary.to_pylist())
                line_cids = int64_array(cids).take(enc.indices)
                batch = pa.RecordBatch.from_arrays([*arrays, line_cids], names=[*names, "_cid"])
                if writer is None and in_memory_bytes + batch.nbytes <= settings.spool_memory_bytes:
                    in_memory.append(batch)
                    in_memory_bytes += batch.nbytes
                    continue
                if writer is None:
                    sink = pa.OSFile(spool, "wb")
                    writer = ipc.new_stream(sink, batch.schema)
                writer.write_batch(batch)
        if writer is not None:
            writer.close()
            assert sink is not None
            sink.close()
        _check_matched(path, parser, stats)
        engine.finalize()
        clusters = sorted(engine.drain.id_to_cluster)
        max_cid = clusters[-1] if clusters else 0
        event_names = [""] * (max_cid + 1)
        event_templates = [""] * (max_cid + 1)
        for cid in clusters:
            ev = engine.event_id(cid)
            event_names[cid] = f"E{ev}"
            event_templates[cid] = engine.template(ev)
        stats.templates = len({n for n in event_names if n})
        ev_arr = string_array(event_names)
        tp_arr = string_array(event_templates)
        header = ["LineId", *names, "EventId", "EventTemplate"]
        if writer is None and not in_memory:
            out.write((",".join(header) + "\n").encode())
            return
        # pass 2: join the final templates back and write CSV
        opts_first = pacsv.WriteOptions(include_header=True)
        opts_rest = pacsv.WriteOptions(include_header=False)
        line_id = 0

        def spooled() -> Iterator[Any]:
            while in_memory:
                yield in_memory.pop(0)
            if writer is not None:
                # read back batch by batch (a plain file, not a memory map: RSS stays flat)
                with pa.OSFile(spool, "rb") as source:
                    yield from ipc.open_stream(source)

        def to_csv(part: Any, first: bool) -> Any:
            sink_buf = pa.BufferOutputStream()
            pacsv.write_csv(part, sink_buf, opts_first if first else opts_rest)
            return sink_buf.getvalue()

        # slices of each batch are formatted to CSV in worker threads (the writer releases
        # the GIL) and written in order by this one; small slices keep the buffers small
        first = True
        with ThreadPoolExecutor(max_workers=workers) as pool:
            done: deque[Future[Any]] = deque()
            for b in spooled():
                n = b.num_rows
                cid = b.column(len(names))
                ids = int64_array(np.arange(line_id + 1, line_id + n + 1, dtype=np.int64))
                line_id += n
                table = pa.Table.from_arrays(
                    [ids, *b.columns[: len(names)], ev_arr.take(cid), tp_arr.take(cid)],
                    names=header,
                )
                for start in range(0, n, CSV_SLICE_ROWS):
                    done.append(pool.submit(to_csv, table.slice(start, CSV_SLICE_ROWS), first))
                    first = False
                    while len(done) > 2 * workers:
                        out.write(done.popleft().result())
            while done:
                out.write(done.popleft().result())


def _python_parse_to_csv(
    path: str,
    parser: LineParser,
    out: BinaryIO,
    chunk_lines: int,
    engine: TemplateEngine,
    stats: ParseStats,
    settings: ParseSettings,
) -> None:
    # pass 1: mine
    for lines in iter_line_chunks(path, chunk_lines, stats, settings.max_line_bytes):
        cols, matched = parse_chunk(lines, parser)
        stats.lines += len(lines)
        stats.matched += matched
        engine.add(cols[CONTENT])
    _check_matched(path, parser, stats)
    engine.finalize()
    event_ids = {cid: f"E{engine.event_id(cid)}" for cid in engine.drain.id_to_cluster}
    templates = {cid: engine.template(engine.event_id(cid)) for cid in engine.drain.id_to_cluster}
    stats.templates = len(set(event_ids.values()))
    # pass 2: write
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(
        ["LineId", *parser.fields, "EventId", "EventTemplate"]
    )
    out.write(buf.getvalue().encode())
    line_id = 0
    for lines in iter_line_chunks(path, chunk_lines, ParseStats(), settings.max_line_bytes):
        cols, _ = parse_chunk(lines, parser)
        cids = engine.add(cols[CONTENT])
        for cid in set(cids) - event_ids.keys():  # only if a cache was evicted meanwhile
            event_ids[cid] = f"E{engine.event_id(cid)}"
            templates[cid] = engine.template(engine.event_id(cid))
        n = len(lines)
        ids = range(line_id + 1, line_id + n + 1)
        line_id += n
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerows(
            zip(
                ids,
                *(cols[f] for f in parser.fields),
                [event_ids[c] for c in cids],
                [templates[c] for c in cids],
                strict=True,
            )
        )
        out.write(buf.getvalue().encode())
