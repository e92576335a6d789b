"""`envcheck data`: profile a database, compare a migrated one with its source inside both
databases (chunked canonical checksums, bisection to keys, a value-by-value sample), classify
the differences (missing, extra, changed, mojibake, truncation, shifted time, rounding) and
sign the migration off against a checklist. Read only: nothing is ever written to either
database. MySQL/MariaDB (PyMySQL) and PostgreSQL (psycopg), in any direction.

connect: URLs, passwords, read-only snapshot sessions; dialect: the SQL of each engine;
schema/mapping: what is compared with what; checksum: chunks and bisection; classify and
textcheck: pure functions on values; profile, compare, checklist: the use cases; evidence:
runs/<ts>-data/; report: the HTML section."""
