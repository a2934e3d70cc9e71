"""How well instrument coding agrees with hand labels: accuracy of type and tool, Cohen's κ, the
confusion matrix, and how well `low_confidence` catches the errors.

Used by the accuracy test (tests/test_instrument_accuracy.py), the development-set benchmark
(benchmarks/instrument_devset.py) and the figures of the documentation (docs: Policy instruments).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sklearn.metrics import cohen_kappa_score

__all__ = ["Agreement", "agreement", "confusion"]


@dataclass(frozen=True)
class Agreement:
    n: int
    type_accuracy: float
    tool_accuracy: float
    type_kappa: float
    tool_kappa: float
    n_errors: int  # items whose tool is wrong
    errors_flagged: float  # share of wrong tools marked low_confidence (nan without errors)
    flagged: float  # share of all items marked low_confidence
    flagged_precision: float  # share of flagged items whose tool is wrong (nan when none flagged)

    def line(self) -> str:
        return (f"{self.n} items: type {self.type_accuracy:.1%} (κ {self.type_kappa:.2f}), tool {self.tool_accuracy:.1%} "
                f"(κ {self.tool_kappa:.2f}); low_confidence flags {self.flagged:.0%} of items and catches "
                f"{self.errors_flagged:.0%} of the {self.n_errors} tool errors")


def _kappa(a: pd.Series, b: pd.Series) -> float:
    if len(a) == 0:
        return float("nan")
    if a.nunique() == 1 and b.nunique() == 1:
        return 1.0 if a.iloc[0] == b.iloc[0] else 0.0
    return float(cohen_kappa_score(a.astype(str), b.astype(str)))


def agreement(truth_type, truth_tool, pred_type, pred_tool, low_confidence=None) -> Agreement:
    """Agreement of predicted (or second-rater) codings with hand labels, item by item."""
    tt, tl = pd.Series(list(truth_type), dtype=object), pd.Series(list(truth_tool), dtype=object)
    pt, pl = pd.Series(list(pred_type), dtype=object), pd.Series(list(pred_tool), dtype=object)
    n = len(tt)
    if not (len(tl) == len(pt) == len(pl) == n):
        raise ValueError("truth and prediction must have the same length")
    wrong = (tl != pl).to_numpy()
    low = pd.Series(list(low_confidence) if low_confidence is not None else [False] * n, dtype=bool).to_numpy()
    n_err = int(wrong.sum())
    return Agreement(
        n=n,
        type_accuracy=float((tt == pt).mean()) if n else float("nan"),
        tool_accuracy=float((tl == pl).mean()) if n else float("nan"),
        type_kappa=_kappa(tt, pt),
        tool_kappa=_kappa(tl, pl),
        n_errors=n_err,
        errors_flagged=float((wrong & low).sum() / n_err) if n_err else float("nan"),
        flagged=float(low.mean()) if n else float("nan"),
        flagged_precision=float((wrong & low).sum() / low.sum()) if low.sum() else float("nan"),
    )


def confusion(truth, pred, labels) -> pd.DataFrame:
    """Counts of hand label (rows) by prediction (columns), in the order of `labels`, zeros included."""
    m = pd.crosstab(pd.Series(list(truth), name="label"), pd.Series(list(pred), name="coded"))
    return m.reindex(index=list(labels), columns=list(labels), fill_value=0).astype("int64")
