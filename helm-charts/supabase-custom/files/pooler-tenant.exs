# Creates or updates this stack's tenant in Supavisor's metadata. Run by the pooler pods' init
# container after `bin/migrate`, as `bin/supavisor eval "$(cat pooler-tenant.exs)"`, on every
# start, so a changed password or pool size reaches the pooler with the next rollout.
#
# What it relies on, at supabase/supavisor@v2.7.4 (read there; tests/contracts/pooler_tenant.rs
# runs this script against stand-ins of exactly these functions):
#   Supavisor.Tenants.get_tenant_by_external_id/1 (lib/supavisor/tenants.ex: the tenant with its
#   users preloaded, or nil), create_tenant/1 and update_tenant/2 (changesets of
#   lib/supavisor/tenants/tenant.ex and user.ex: string keys, users replaced as a whole),
#   Supavisor.Helpers.cert_to_bin/1 (exactly one PEM certificate -> DER), Supavisor.Repo (Ecto).
#
# Every setting comes from the environment; no secret is printed.
#   POOLER_TENANT_ID      the tenant (clients log in as <role>.<tenant>)
#   POOLER_DB_HOST, POOLER_DB_PORT, POOLER_DB_NAME   where the pooled roles log in
#   POOLER_ROLES          comma-separated roles clients may log in as
#   POOLER_ROLE_PASSWORD  their password (supabase_admin's; supabase_read_only_user shares it)
#   POOLER_POOL_SIZE, POOLER_MAX_CLIENTS, POOLER_ALLOW_LIST (comma-separated CIDRs)
#   POOLER_UPSTREAM_CA    the one CA certificate (PEM file) the database's chain verifies against

env = &System.fetch_env!/1
int = fn name -> name |> env.() |> String.to_integer() end
list = fn name -> name |> env.() |> String.split(",", trim: true) |> Enum.map(&String.trim/1) end

{:ok, _} = Application.ensure_all_started(:supavisor)

ca =
  case Supavisor.Helpers.cert_to_bin(File.read!(env.("POOLER_UPSTREAM_CA"))) do
    {:ok, der} -> der
    {:error, reason} -> raise "POOLER_UPSTREAM_CA must hold exactly one PEM certificate (#{reason})"
  end

# Clients see the server version the tenant advertises; the metadata lives in the same database.
%{rows: [[server_version]]} = Supavisor.Repo.query!("SHOW server_version")

tenant_id = env.("POOLER_TENANT_ID")

users =
  for role <- list.("POOLER_ROLES") do
    # One row per role, so a role is never listed twice (two rows with one alias make every
    # login fail). Its mode is the transaction port's; the session port pools it too.
    %{
      "db_user" => role,
      "db_user_alias" => role,
      "db_password" => env.("POOLER_ROLE_PASSWORD"),
      "mode_type" => "transaction",
      "pool_size" => int.("POOLER_POOL_SIZE"),
      "max_clients" => int.("POOLER_MAX_CLIENTS"),
      "is_manager" => false
    }
  end

params = %{
  "external_id" => tenant_id,
  "db_host" => env.("POOLER_DB_HOST"),
  "db_port" => int.("POOLER_DB_PORT"),
  "db_database" => env.("POOLER_DB_NAME"),
  # RDS keeps password hashes out of every role's reach (no auth_query): each pooled role is
  # listed with its password, which clients must present.
  "require_user" => true,
  "auth_query" => nil,
  "upstream_ssl" => true,
  "upstream_verify" => "peer",
  "upstream_tls_ca" => ca,
  "default_parameter_status" => %{"server_version" => server_version},
  "default_pool_size" => int.("POOLER_POOL_SIZE"),
  "default_max_clients" => int.("POOLER_MAX_CLIENTS"),
  "allow_list" => list.("POOLER_ALLOW_LIST"),
  "users" => users
}

# Pods start together: one writes at a time (the lock ends with the transaction).
result =
  Supavisor.Repo.transaction(fn ->
    Supavisor.Repo.query!("SELECT pg_advisory_xact_lock(hashtext('supabase-aws-gen/pooler-tenant'))")

    written =
      case Supavisor.Tenants.get_tenant_by_external_id(tenant_id) do
        nil -> Supavisor.Tenants.create_tenant(params)
        tenant -> Supavisor.Tenants.update_tenant(tenant, params)
      end

    case written do
      {:ok, tenant} -> tenant
      {:error, changeset} -> Supavisor.Repo.rollback(changeset)
    end
  end)

case result do
  {:ok, _} ->
    IO.puts("pooler tenant #{tenant_id}: #{length(users)} roles, pool size #{int.("POOLER_POOL_SIZE")}")

  {:error, %Ecto.Changeset{errors: errors}} ->
    fields = Enum.map_join(errors, ", ", fn {field, {message, _}} -> "#{field} #{message}" end)
    raise "pooler tenant #{tenant_id} was not written: #{fields}"

  {:error, other} ->
    raise "pooler tenant #{tenant_id} was not written: #{inspect(other)}"
end
