"""zoo's figures with PySpark, over the folder ``zoo export`` writes (local disk, HDFS or object storage).

    zoo export ./zoo-parquet
    python examples/spark_stats.py ./zoo-parquet            # or: spark-submit examples/spark_stats.py s3a://bucket/zoo

prints the exclusivity table (tags definition, all periods, then per year), the articles' headline share
and the models added per year, from each hub's latest snapshot: the numbers ``zoo stats exclusivity``,
``zoo stats exclusivity --by year`` and ``zoo stats additions --by year`` print. ``--as-of YYYY-MM-DD``
and ``--definition evidence`` work as in ``zoo stats``. The SQL is in ``zoo_sql.py`` beside this file.

Without a cluster this runs Spark in local mode (``pip install pyspark``; Java 17).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from zoo_sql import additions_sql, exclusivity_sql, headline_sql  # noqa: E402


def load(spark: Any, root: str) -> None:
    """Register the export's ``models`` dataset as the view ``zoo_models`` (hub and snapshot_date are
    discovered from the folder names)."""
    spark.read.parquet(f"{root.rstrip('/')}/models").createOrReplaceTempView("zoo_models")


def exclusivity(spark: Any, definition: str = "tags", by: str = "none", as_of: str | None = None) -> Any:
    """A DataFrame: hub, period, class, models, denominator, share."""
    return spark.sql(exclusivity_sql(definition, by, as_of))


def additions(spark: Any, by: str = "year", definition: str | None = None, as_of: str | None = None) -> Any:
    """A DataFrame: hub, period, class ('all', or the classes of ``definition``), models."""
    return spark.sql(additions_sql(by, definition, as_of))


def headline(spark: Any, definition: str = "tags", by: str = "none", as_of: str | None = None) -> Any:
    return spark.sql(headline_sql(definition, by, as_of))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("root", help="the folder zoo export wrote (a path or a URL Spark reads)")
    parser.add_argument("--as-of", default=None, metavar="YYYY-MM-DD", help="count the state of that day")
    parser.add_argument("--definition", default="tags", choices=["tags", "evidence"])
    args = parser.parse_args(argv)

    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.appName("zoo-stats")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    load(spark, args.root)
    d, as_of = args.definition, args.as_of
    print(f"Framework exclusivity ({d} definition, all periods together)")
    exclusivity(spark, d, "none", as_of).show(100, truncate=False)
    print("Headline: PyTorch-only ÷ (PyTorch-only + TensorFlow-only)")
    headline(spark, d, "none", as_of).show(100, truncate=False)
    print(f"Framework exclusivity ({d} definition, per creation year)")
    exclusivity(spark, d, "year", as_of).show(1000, truncate=False)
    print("Models added per year")
    additions(spark, "year", None, as_of).show(1000, truncate=False)


if __name__ == "__main__":
    main()
