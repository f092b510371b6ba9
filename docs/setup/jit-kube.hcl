# jit-kube: jit's own short-lived Kubernetes token (settings: kubernetes.clusters.<name>.vault_credentials).
path "kubernetes/creds/jit-granter" {
  capabilities = ["update"]
}
