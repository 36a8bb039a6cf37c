"""Grouping accuracy (GA) of the log template engine on the Loghub 2k samples.

One generic configuration for every dataset (no per-dataset regexes). Loghub data is read
from the shared data dir (``$SENTINEL_SHARED_DATA`` or ``<repo>/../shared/data``); cite
Zhu et al., "Loghub: A Large Collection of System Log Datasets for AI-driven Log Analytics",
ISSRE 2023 (https://github.com/logpai/loghub).

Usage: ``.venv/bin/python -m bench.logs_ga``
"""

from __future__ import annotations

import sys

from sentinel_brain.logs.inference import infer_header_format
from sentinel_brain.logs.loghub import DATASETS, DRAIN_PUBLISHED_GA, dataset_paths, evaluate
from sentinel_brain.logs.miner import MinerConfig


def main() -> int:
    cfg = MinerConfig()
    print(f"engine: named masks + drain3 (sim_th={cfg.sim_th}, depth={cfg.depth}) + post-merge")
    print("GA: with the dataset's Loghub format; 'as unseen': with the header inferred from the")
    print("sample's shape alone (no preset), as for a log no preset describes; 'raw': no header")
    print(
        f"{'dataset':<10} {'GA':>7} {'Drain (published)':>18} {'delta':>7} "
        f"{'as unseen':>10} {'raw':>7}"
    )
    results: dict[str, tuple[float, float, float]] = {}
    for name in DATASETS:
        log_path = dataset_paths(name)[0]
        if not log_path.exists():
            print(f"{name:<10} missing (set SENTINEL_SHARED_DATA)", file=sys.stderr)
            continue
        ga = evaluate(name, cfg)
        head = log_path.read_text(errors="replace").splitlines()[:500]
        unseen = evaluate(name, cfg, infer_header_format(head) or "raw")
        raw = evaluate(name, cfg, "raw")
        results[name] = (ga, unseen, raw)
        ref = DRAIN_PUBLISHED_GA[name]
        print(f"{name:<10} {ga:7.4f} {ref:18.4f} {ga - ref:+7.4f} {unseen:10.4f} {raw:7.4f}")
    if results:
        n = len(results)
        mean, unseen_mean, raw_mean = (sum(r[i] for r in results.values()) / n for i in range(3))
        ref_mean = sum(DRAIN_PUBLISHED_GA[k] for k in results) / n
        print(
            f"{'mean':<10} {mean:7.4f} {ref_mean:18.4f} {mean - ref_mean:+7.4f} "
            f"{unseen_mean:10.4f} {raw_mean:7.4f}"
        )
    return 0 if results else 2


if __name__ == "__main__":
    raise SystemExit(main())
