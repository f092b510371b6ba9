# A policy a vault-token grant hands out: read short-lived database credentials.
path "database/creds/orders-readonly" {
  capabilities = ["read"]
}
