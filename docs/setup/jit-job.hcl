# jit-job: what the jit workflow's own Vault token may do (least privilege).

# Create vault-token grants, and the holder tokens of vault-credentials grants, via the
# "jit" token role (which makes them orphans, non-renewable, with the role's allowed policies).
# No sys/wrapping/wrap: jit wraps only responses (ADR 0008), and a holder token's lease is
# revoked with the holder, so no sys/leases/* either.
path "auth/token/create/jit" {
  capabilities = ["update"]
}

# Check issued tokens, and revoke them on expiry or withdrawal, by the accessor jit recorded
# in state/grants (crash recovery too: jit never lists Vault's tokens).
path "auth/token/lookup-accessor" {
  capabilities = ["update"]
}
path "auth/token/revoke-accessor" {
  capabilities = ["update"]
}

# vault-group grants: find the requester's entity, manage the jit-* groups only.
path "identity/lookup/entity" {
  capabilities = ["update"]
}
path "identity/group/name/jit-*" {
  capabilities = ["create", "read", "update", "delete"]
}

# Only when vault.identity_mount_accessor is not set: read the github mount's accessor.
path "sys/auth" {
  capabilities = ["read"]
}
