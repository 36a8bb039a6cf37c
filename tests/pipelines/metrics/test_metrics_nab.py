"""NAB measurement: every labelled window flagged, <= 2 false-alarm windows per series-week."""

import pytest

from bench.nab_eval import SERIES, evaluate, format_table, nab_dir

NAB = nab_dir()

pytestmark = pytest.mark.skipif(
    not (NAB / "windows.json").exists(),
    reason=f"NAB data not found at {NAB} (set SENTINEL_SHARED_DATA to .../shared/data)",
)


def test_nab_recall_and_false_alarm_rate():
    scores = evaluate(NAB)
    print(format_table(scores))
    assert [s.series + ".csv" for s in scores] == list(SERIES)
    for s in scores:
        assert s.recall == 1.0, f"{s.series}: {s.hits}/{s.labelled} labelled windows flagged"
        assert s.false_alarms_per_week <= 2.0, (
            f"{s.series}: {s.false_alarms} false alarms over {s.weeks:.1f} weeks"
        )
