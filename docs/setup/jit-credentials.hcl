# jit-credentials: what a vault-credentials holder token may read. One rule per resource path.
path "database/creds/orders-readonly" {
  capabilities = ["read"]
}
path "kubernetes/creds/prod-view" {
  capabilities = ["update"]
}
