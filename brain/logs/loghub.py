"""Loghub evaluation helpers: locate the shared data, grouping accuracy (GA).

Loghub (https://github.com/logpai/loghub) is free for research/academic use; cite Zhu et al.,
"Loghub: A Large Collection of System Log Datasets for AI-driven Log Analytics", ISSRE 2023.
Its files are never copied into this repository: they are read from the shared data dir.
"""

from __future__ import annotations

import io
import os
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sentinel_brain.logs.miner import MinerConfig, TemplateEngine
from sentinel_brain.logs.parse import parse_to_csv

DATASETS = ("HDFS", "Hadoop", "Spark", "Zookeeper", "BGL", "Apache")
DRAIN_PUBLISHED_GA = {
    "HDFS": 0.9975,
    "Hadoop": 0.9475,
    "Spark": 0.92,
    "Zookeeper": 0.9665,
    "BGL": 0.9625,
    "Apache": 1.0,
}


def shared_data_dir() -> Path:
    """``$SENTINEL_SHARED_DATA`` or ``<repo>/../shared/data``."""
    env = os.environ.get("SENTINEL_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def loghub_dir() -> Path:
    return shared_data_dir() / "loghub"


def dataset_paths(name: str) -> tuple[Path, Path]:
    d = loghub_dir() / name
    return d / f"{name}_2k.log", d / f"{name}_2k.log_structured.csv"


def grouping_accuracy(truth: Sequence[object], predicted: Sequence[object]) -> float:
    """Loghub GA: a line is correct when its predicted group equals its true group as sets."""
    if len(truth) != len(predicted):
        raise ValueError("truth and predicted differ in length")
    if not truth:
        return 1.0
    true_sizes = Counter(truth)
    by_pred: dict[object, list[object]] = defaultdict(list)
    for t, p in zip(truth, predicted, strict=True):
        by_pred[p].append(t)
    correct = 0
    for members in by_pred.values():
        labels = set(members)
        if len(labels) == 1 and true_sizes[members[0]] == len(members):
            correct += len(members)
    return correct / len(truth)


def evaluate(name: str, config: MinerConfig | None = None, log_format: str | None = None) -> float:
    """GA of ``sentinel logs parse``'s engine on one Loghub 2k sample (Loghub's header format
    unless ``log_format`` is given, one generic miner configuration), computed from the
    structured CSV it writes."""
    log_path, structured = dataset_paths(name)
    truth = pd.read_csv(structured, dtype=str, keep_default_na=False)["EventId"].tolist()
    buf = io.BytesIO()
    fmt = log_format or name.lower()
    parse_to_csv(str(log_path), fmt, buf, engine=TemplateEngine(config=config))
    buf.seek(0)
    predicted = pd.read_csv(buf, dtype=str, keep_default_na=False)["EventId"].tolist()
    return grouping_accuracy(truth, predicted)
