"""Tables the pages show: per-class results as the paper's Tables 2-4, published results beside ours."""

from __future__ import annotations


def classification_table(metrics: dict):
    """Per-class precision, recall, F1 and support, then accuracy and macro F1 (the paper's Tables 2-4)."""
    import pandas as pd

    table = pd.DataFrame(metrics["per_class"]).T.rename(columns={"f1-score": "f1"})
    table["support"] = table["support"].astype(int)
    table.loc["accuracy"] = [None, None, metrics["accuracy"], metrics["n"]]
    table.loc["macro avg"] = [
        table.iloc[:-1]["precision"].mean(),
        table.iloc[:-1]["recall"].mean(),
        metrics["macro_f1"],
        metrics["n"],
    ]
    return table.round(3)

def peer_table(accuracies: dict[str, float], column: str = "accuracy"):
    """Accuracies by method, best first, formatted as percentages (a pandas Styler)."""
    import pandas as pd

    table = pd.Series(accuracies, name=column).sort_values(ascending=False).to_frame()
    return table.style.format("{:.1%}")
