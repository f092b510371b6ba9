-- orders-vault.sql: the database secrets engine's own PostgreSQL user for the database "orders".
-- Run as a superuser: psql -d orders -v vault_password="$ORDERS_DB_PASSWORD" -f orders-vault.sql
\set ON_ERROR_STOP on

-- LOGIN: Vault connects as vault. CREATEROLE: it creates a role for each credentials read,
-- and drops it when the lease is revoked.
CREATE ROLE vault WITH LOGIN CREATEROLE PASSWORD :'vault_password';

-- Vault can grant only what it holds WITH GRANT OPTION, on every table the role's
-- creation_statements hand out (here: all tables in schema public).
GRANT SELECT ON ALL TABLES IN SCHEMA public TO vault WITH GRANT OPTION;

-- The same for the tables orders_owner creates later.
ALTER DEFAULT PRIVILEGES FOR ROLE orders_owner IN SCHEMA public
    GRANT SELECT ON TABLES TO vault WITH GRANT OPTION;
