"""The data dictionary for BI users and compliance: every model and column of the dbt project and every raw
table, with its type, description, tests and sensitivity, written as Markdown, CSV and Excel.

Built from the dbt manifest (`dbt parse`, no warehouse needed) and ingestion's raw table definitions:
`mymedic dictionary` writes it, `mymedic dictionary --check` fails when a description is missing.
"""
