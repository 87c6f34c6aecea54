-- Run once by the postgres image on an empty data directory (compose.yaml): one database per subgraph.
-- No service reads another's database; each migration job and each subgraph is given only its own URL.
CREATE DATABASE users;
CREATE DATABASE posts;
CREATE DATABASE media;
