-- Run once by the postgres image on an empty data directory (compose.yaml): one database per subgraph.
-- Each migration job and each subgraph is given only its own database's URL, but as the superuser, so that is
-- a convention here, not a boundary (README, compose.yaml); a cluster gives each database its own role.
CREATE DATABASE users;
CREATE DATABASE posts;
CREATE DATABASE media;
