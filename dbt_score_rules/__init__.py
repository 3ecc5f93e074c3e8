"""The project's conventions (/work/shared/STYLE.md, "Governance" and "Tests and docs") as
dbt-score rules, beside dbt-score's own (pyproject.toml, [tool.dbt-score]). `make test` runs
dbt-score on the built manifest (tests/python/test_conventions.py) and fails below 10.0."""
