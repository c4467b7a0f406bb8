"""What the distribution holds, found automatically (the metadata is in pyproject.toml).

Every package under ``crawler/`` (``find_packages``: a new subpackage needs no entry here), plus the
top-level ``sql/`` folder shipped as the package ``crawler.sql``, its folders (``schema/``, ``views/``, any
new one) as packages under it, each with every ``*.sql`` file it holds: ``crawler.store.sql_dir`` reads
them from there once installed. pyproject.toml alone cannot say this: its ``packages.find`` cannot place
a top-level folder under another package's name.
"""

from setuptools import find_namespace_packages, find_packages, setup

SQL = [
    "crawler.sql",
    *(f"crawler.sql.{name}" for name in find_namespace_packages(where="sql", exclude=["*__pycache__*"])),
]

setup(
    packages=[*find_packages(include=["crawler", "crawler.*"]), *SQL],
    package_dir={"crawler.sql": "sql"},
    package_data={name: ["*.sql"] for name in SQL},
)
