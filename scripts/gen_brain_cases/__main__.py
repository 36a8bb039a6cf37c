"""Command line: `python -m scripts.gen_brain_cases [--only NAME_SUBSTRING] [--out DIR]`."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

import yaml

from .harness import CASES_DIR, Case, load_all, restored_environ, scrub, session


def select(cases: list[Case], only: str | None) -> list[Case]:
    """The cases whose name contains `only` (all of them without it)."""
    return [c for c in cases if not only or only in c.name]


def write_case(out_dir: Path, c: Case, text: str) -> None:
    """Write <out_dir>/<name>/failure.txt and expected.yaml."""
    d = out_dir / c.name
    d.mkdir(parents=True, exist_ok=True)
    (d / "failure.txt").write_text(text)
    exp: dict[str, object] = {"category": c.category, "mentions": list(c.mentions)}
    if c.also:
        exp["also"] = list(c.also)
    if c.note:
        exp["note"] = c.note
    (d / "expected.yaml").write_text(yaml.safe_dump(exp, sort_keys=False))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m scripts.gen_brain_cases",
        description="Regenerate the brain's evaluation cases from real failing code.",
    )
    ap.add_argument("--only", default=None, help="run only cases whose name contains this")
    ap.add_argument("--out", type=Path, default=CASES_DIR, help=f"output folder ({CASES_DIR})")
    args = ap.parse_args(argv)
    chosen = select(load_all(), args.only)
    if not chosen:
        print(f"no case name contains {args.only!r}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    ok = failed = 0
    with session() as sess:
        for c in chosen:
            try:
                # Cases set environment variables to provoke their failure: none may leak
                # into the next one, whatever order they run in.
                with restored_environ():
                    text = scrub(c.fn(), sess)
            except Exception:  # noqa: BLE001 - a missing optional library skips the case
                failed += 1
                last = traceback.format_exc().strip().splitlines()[-1]
                print(f"SKIP {c.name}: {last}", file=sys.stderr)
                continue
            if not text.strip():
                failed += 1
                print(f"SKIP {c.name}: empty output", file=sys.stderr)
                continue
            write_case(args.out, c, text)
            ok += 1
            print(f"ok   {c.name}")
    print(f"{ok} cases written, {failed} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
