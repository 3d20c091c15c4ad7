#!/bin/sh
# First start of the postgres service only (the image runs /docker-entrypoint-initdb.d on an empty volume):
# the shared MLflow registry gets its own database, because MLflow manages its schema with its own migrations.
# For a database created before this script existed: docs/operator.md, "Upgrades".
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE DATABASE dabiwu_mlflow OWNER "$POSTGRES_USER";
SQL
