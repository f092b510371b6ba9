# jit-doctor: lets the job's token ask Vault what it may do (jit doctor's policy check).
# Vault's default policy has this rule; the job's role leaves the default policy out.
path "sys/capabilities-self" {
  capabilities = ["update"]
}
