# ruff: noqa: E501  (embedded pipeline sources and library messages)
"""Cases of category `code_error`.

Bugs in the pipeline's own code (division by zero, type and name errors,
recursion), bare and inside a Dagster step.
"""

from __future__ import annotations

from .harness import (
    capture,
    case,
    dagster_step_failure,
    module,
)


@case("code_zero_division", "code_error", ["division by zero"])
def zero_division() -> str:
    m = module(
        "revenue_metrics",
        """
        def average_order_value(orders):
            total = sum(o["amount"] for o in orders)
            return total / len([o for o in orders if o["status"] == "refunded"])

        def build():
            orders = [{"amount": 10.0, "status": "paid"}, {"amount": 5.0, "status": "paid"}]
            return average_order_value(orders)
        """,
    )
    return capture(m.build)


@case("code_type_concat", "code_error", ["concatenate"])
def type_concat() -> str:
    m = module(
        "report_builder",
        """
        def label(row):
            return "order-" + row["id"]

        def build():
            return [label(r) for r in [{"id": 17}]]
        """,
    )
    return capture(m.build)


@case("code_name_error", "code_error", ["NameError"])
def name_error() -> str:
    m = module(
        "customer_dim",
        """
        import pandas as pd

        def build():
            df = pd.DataFrame({"id": [1, 2]})
            df["segment"] = df["id"].map(segment_lookup)
            return df
        """,
    )
    return capture(m.build)


@case("code_attribute_list", "code_error", ["has no attribute"])
def attribute_list() -> str:
    m = module(
        "events_clean",
        """
        def normalise(events):
            return events.strip().lower()

        def build():
            return normalise(["click", "view"])
        """,
    )
    return capture(m.build)


@case("code_pandas_ambiguous", "code_error", ["ambiguous"])
def pandas_ambiguous() -> str:
    m = module(
        "churn_features",
        """
        import pandas as pd

        def flag(df):
            if df["days_inactive"] > 30:
                df["churned"] = True
            return df

        def build():
            return flag(pd.DataFrame({"days_inactive": [3, 45]}))
        """,
    )
    return capture(m.build)


@case("code_unbound_local", "code_error", ["UnboundLocalError"])
def unbound_local() -> str:
    m = module(
        "fx_rates",
        """
        def pick_rate(rates, currency):
            for r in rates:
                if r["currency"] == currency:
                    rate = r["rate"]
            return rate

        def build():
            return pick_rate([{"currency": "EUR", "rate": 1.1}], "GBP")
        """,
    )
    return capture(m.build)


@case("code_recursion", "code_error", ["recursion"])
def recursion() -> str:
    m = module(
        "org_tree",
        """
        def depth(node, parents):
            return 1 + depth(parents[node], parents)

        def build():
            return depth("a", {"a": "b", "b": "a"})
        """,
    )
    return capture(m.build)


@case(
    "code_dagster_wrapped_type_error",
    "code_error",
    ["unsupported operand"],
    "Dagster wrapper; judge the user error",
)
def dagster_wrapped_type_error() -> str:
    return dagster_step_failure(
        "dg_inventory",
        """
        from dagster import op, job

        @op
        def compute_stock():
            on_hand = {"sku-1": 10, "sku-2": None}
            return {k: v - 1 for k, v in on_hand.items()}

        @job
        def inventory_job():
            compute_stock()
        """,
        "inventory_job",
    )
