#!/bin/sh
# Run once by the postgres image on an empty data directory (compose.yaml), as its superuser: one database
# per subgraph, owned by a role of the same name that alone (with the superuser) may connect to it. Each
# subgraph and its migration job get their own role's URL, so none can open another's database.
# The roles' passwords come from compose: USERS_DB_PASSWORD, POSTS_DB_PASSWORD, MEDIA_DB_PASSWORD.
# No `set -u`: the image sources this file into its entrypoint when it has lost its executable bit.
for database in users posts media; do
  variable="$(echo "$database" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  password="$(printenv "$variable")" || { echo "init-databases: $variable is not set" >&2; exit 1; }
  # psql's variables quote the names and the password; ON_ERROR_STOP makes any failure the script's exit.
  psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -v database="$database" -v password="$password" <<'SQL' || exit 1
CREATE ROLE :"database" LOGIN PASSWORD :'password';
CREATE DATABASE :"database" OWNER :"database";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
SQL
done
