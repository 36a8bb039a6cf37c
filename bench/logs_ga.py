"""Grouping accuracy (GA) of the log template engine on the Loghub 2k samples.

One generic configuration for every dataset (no per-dataset regexes). Loghub data is read
from the shared data dir (``$SENTINEL_SHARED_DATA`` or ``<repo>/../shared/data``); cite
Zhu et al., "Loghub: A Large Collection of System Log Datasets for AI-driven Log Analytics",
ISSRE 2023 (https://github.com/logpai/loghub).

Usage: ``.venv/bin/python -m bench.logs_ga``
"""

from __future__ import annotations

import sys

from sentinel_brain.logs.loghub import DATASETS, DRAIN_PUBLISHED_GA, dataset_paths, evaluate
from sentinel_brain.logs.miner import MinerConfig


def main() -> int:
    cfg = MinerConfig()
    print(f"engine: named masks + drain3 (sim_th={cfg.sim_th}, depth={cfg.depth}) + post-merge")
    print(f"{'dataset':<10} {'GA':>7} {'Drain (published)':>18} {'delta':>7}")
    results = {}
    for name in DATASETS:
        if not dataset_paths(name)[0].exists():
            print(f"{name:<10} missing (set SENTINEL_SHARED_DATA)", file=sys.stderr)
            continue
        ga = evaluate(name, cfg)
        results[name] = ga
        ref = DRAIN_PUBLISHED_GA[name]
        print(f"{name:<10} {ga:7.4f} {ref:18.4f} {ga - ref:+7.4f}")
    if results:
        mean = sum(results.values()) / len(results)
        ref_mean = sum(DRAIN_PUBLISHED_GA[n] for n in results) / len(results)
        print(f"{'mean':<10} {mean:7.4f} {ref_mean:18.4f} {mean - ref_mean:+7.4f}")
    return 0 if results else 2


if __name__ == "__main__":
    raise SystemExit(main())
