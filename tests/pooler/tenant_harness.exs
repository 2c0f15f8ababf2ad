# Runs helm-charts/supabase-custom/files/pooler-tenant.exs against stand-ins of the Supavisor
# functions it may call, each with the signature and the contract it has at
# supabase/supavisor@v2.7.4 (cited per function), and prints what the script did as
# `key=value` lines for tests/pooler.rs. A call to anything else fails (UndefinedFunctionError).
# Stand-in behaviour is chosen with STUB_EXISTING (a tenant exists) and STUB_INVALID (the
# changeset is refused).

# An application named :supavisor, so that Application.ensure_all_started/1 answers as it does
# in the release (which starts Repo, Vault and the rest).
:ok = :application.load({:application, :supavisor, [description: ~c"stand-in", vsn: ~c"2.7.4", modules: [], registered: [], applications: [:kernel, :stdlib]]})

defmodule Ecto.Changeset do
  defstruct errors: [], valid?: false
end

defmodule Record do
  def start, do: Agent.start_link(fn -> [] end, name: __MODULE__)
  def add(entry), do: Agent.update(__MODULE__, &(&1 ++ [entry]))
  def all, do: Agent.get(__MODULE__, & &1)
end

# lib/supavisor/helpers.ex, cert_to_bin/1: exactly one PEM certificate -> {:ok, DER}.
defmodule Supavisor.Helpers do
  def cert_to_bin(cert) do
    case :public_key.pem_decode(cert) do
      [] -> {:error, :cant_decode_certificate}
      entries ->
        case for({:Certificate, der, :not_encrypted} <- entries, do: der) do
          [der] -> {:ok, der}
          _ -> {:error, :invalid_certificate}
        end
    end
  end
end

# Ecto.Repo: query!/1 returns a result with rows; transaction/1 returns {:ok, value} or
# {:error, value given to rollback/1}.
defmodule Supavisor.Repo do
  def query!(sql) do
    Record.add({:query, sql})
    if sql == "SHOW server_version", do: %{rows: [["17.6"]]}, else: %{rows: [[nil]]}
  end

  def transaction(fun) do
    Record.add(:begin)
    try do
      value = fun.()
      Record.add(:commit)
      {:ok, value}
    catch
      {:rollback, value} ->
        Record.add(:rollback)
        {:error, value}
    end
  end

  def rollback(value), do: throw({:rollback, value})
end

# lib/supavisor/tenants.ex and the changesets of lib/supavisor/tenants/tenant.ex and user.ex:
# params must have string keys only (Ecto.Changeset.cast refuses mixed keys); required tenant
# fields and user fields as validate_required lists them.
defmodule Supavisor.Tenants do
  @tenant_required ~w(default_parameter_status external_id db_host db_port db_database require_user allow_list)
  @user_required ~w(db_user_alias db_user db_password pool_size mode_type)

  def get_tenant_by_external_id(external_id) do
    Record.add({:get, external_id})
    if System.get_env("STUB_EXISTING"), do: %{external_id: external_id, users: [%{db_user: "old"}]}, else: nil
  end

  def create_tenant(attrs), do: write(:create, attrs)
  def update_tenant(%{external_id: _} = _tenant, attrs), do: write(:update, attrs)

  defp write(op, attrs) do
    Record.add({op, attrs})
    missing =
      Enum.reject(@tenant_required, &(Map.get(attrs, &1) not in [nil, ""])) ++
        Enum.flat_map(Map.get(attrs, "users", []), fn user ->
          Enum.reject(@user_required, &(Map.get(user, &1) not in [nil, ""]))
        end)
    atoms = Enum.filter(Map.keys(attrs), &is_atom/1)
    cond do
      atoms != [] -> raise ArgumentError, "mixed keys: #{inspect(atoms)}"
      System.get_env("STUB_INVALID") -> {:error, %Ecto.Changeset{errors: [external_id: {"has already been taken", []}]}}
      missing != [] -> {:error, %Ecto.Changeset{errors: Enum.map(missing, &{String.to_atom(&1), {"can't be blank", []}})}}
      true -> {:ok, Map.put(attrs, "id", "00000000-0000-0000-0000-000000000000")}
    end
  end
end

{:ok, _} = Record.start()
result =
  try do
    Code.eval_file(System.fetch_env!("TENANT_SCRIPT"))
    :ok
  rescue
    e -> {:raised, Exception.message(e)}
  end

show = fn
  v when is_binary(v) -> if String.printable?(v), do: v, else: "<#{byte_size(v)} bytes>"
  v -> inspect(v)
end

case result do
  :ok -> IO.puts("result=ok")
  {:raised, message} -> IO.puts("result=raised " <> String.replace(message, "\n", " "))
end

Record.all()
|> Enum.with_index()
|> Enum.each(fn
  {{op, attrs}, i} when op in [:create, :update] ->
    IO.puts("call.#{i}=#{op}")
    for {k, v} <- attrs, k != "users", do: IO.puts("tenant.#{k}=#{show.(v)}")
    for {user, j} <- Enum.with_index(Map.get(attrs, "users", [])), {k, v} <- user do
      IO.puts("user.#{j}.#{k}=#{show.(v)}")
    end
  {{:query, sql}, i} -> IO.puts("call.#{i}=query #{sql}")
  {{:get, id}, i} -> IO.puts("call.#{i}=get #{id}")
  {entry, i} -> IO.puts("call.#{i}=#{entry}")
end)
