"""Write the settings table generated from `SentinelConfig` into README.md (make readme)."""

from __future__ import annotations

import re
from pathlib import Path

from dagster_sentinel.config import markdown_table

README = Path(__file__).resolve().parents[1] / "README.md"


def main() -> None:
    text = README.read_text(encoding="utf-8")
    new, n = re.subn(
        r"(<!-- settings:start -->\n).*?(<!-- settings:end -->)",
        lambda m: m.group(1) + markdown_table() + m.group(2),
        text,
        flags=re.S,
    )
    if n != 1:
        raise SystemExit("README.md has no <!-- settings:start/end --> block")
    README.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
