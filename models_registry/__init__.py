"""The shared registry: promotion and its gates, the MLflow adapter, model cards, pulls, outcomes and `leads run`.

It reaches the platform only through `dabiwu.registry_port` (which names each thing the registry needs), and the
platform reaches it only where it is mounted: `dabiwu.app` (the API router, the /mlflow guard's hooks) and the command
line (`dabiwu.cli`, `dabiwu.cli_server`).  tests/registry/test_import_direction.py keeps both directions.
"""
