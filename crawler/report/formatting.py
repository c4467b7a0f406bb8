"""How the report writes numbers, dates, classes and hubs."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from .. import stats
from ..sources import registry
from ..stats import StatTable

NOT_CRAWLED = stats.NOT_CRAWLED
CLASS_COLORS = {
    "pytorch_only": "#ee4c2c",
    "tensorflow_only": "#1f6fb4",
    "both": "#8e63b5",
    "neither": "#c8c8c8",
    "jax_only": "#2ca02c",
    "multi": "#8c564b",
    "other": "#e377c2",
    "agnostic": "#17becf",
    "none": "#e0e0e0",
}
CLASS_LABELS = {
    "pytorch_only": "PyTorch-only",
    "tensorflow_only": "TensorFlow-only",
    "both": "both",
    "neither": "neither",
    "jax_only": "JAX-only",
    "multi": "multi",
    "other": "other",
    "agnostic": "agnostic",
    "none": "none",
}
LEGACY_TEXT = (
    "'legacy' = Hugging Face repositories created before 2022-03-02 whose exact date zoo does not know yet: "
    "the Hub shows a placeholder, 2022-03-02T23:29:04Z or 2022-03-02T23:29:05Z, for all of them (a censored "
    "date: created on or before it). zoo never counts them in 2022; a "
    "count that reads that placeholder as a date puts the whole legacy cohort into 2022. "
    "`zoo crawl hf-dates` recovers each one's date from its first commit (the Hub's `initial commit`), "
    "which moves it out of 'legacy' into its true year."
)


def hub_label(hub: str) -> str:
    """The hub's name for people, from the source registry."""
    return registry.label(hub)


def hub_unit(hub: str) -> str:
    """What one model of the hub is ("one model = one public model repository"), from the registry."""
    entry = registry.get(hub)
    return entry.unit if entry is not None else "one model = one row of models"


def fmt_int(value: Any) -> str:
    return "" if value is None else f"{int(value):,}"


def fmt_pct(value: Any, digits: int = 1) -> str:
    return "n/a" if value is None else f"{float(value) * 100:.{digits}f} %"


def fmt_when(value: Any) -> str:
    """A crawl time as ``YYYY-MM-DD HH:MM UTC``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def cell(value: Any, column: str = "") -> str:
    if value is None:
        return ""
    if column == "share" or column.endswith("share"):
        return fmt_pct(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, datetime):
        return fmt_when(value)
    return str(value)


def period_key(period: str) -> tuple[int, str]:
    """Sort order of periods: 'imported' and 'legacy' first, then dates, then 'unknown'."""
    return (0 if period in ("imported", "legacy") else 2 if period == "unknown" else 1, period)


def records(data: StatTable | Any) -> list[dict[str, Any]]:
    """Rows as dicts from a StatTable, a pandas DataFrame or a list of dicts."""
    if isinstance(data, StatTable):
        return data.records()
    if hasattr(data, "to_dict"):  # a pandas DataFrame: its missing values (NaN, NA, NaT) become None
        import pandas as pd

        return [{k: None if missing(v, pd) else v for k, v in r.items()} for r in data.to_dict("records")]
    return list(data)


def missing(value: Any, pd: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and arrays are values
        return False
