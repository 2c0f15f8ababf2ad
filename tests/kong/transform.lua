-- Kong's request-transformer header steps for one request (Kong/kong@3.9.1:
-- kong/plugins/request-transformer/access.lua): each "name:value" entry split as the plugin does,
-- the value compiled by pl.template with escape "\xff" and rendered in an environment holding
-- `type` and, lazily, the request's `headers` and `query_params` (the original request's, not the
-- headers being rewritten); replace only rewrites a header the request has, add only sets a
-- missing one. Cases follow this prelude as report(...) calls; each prints "name<TAB>value"
-- (value "\1" when the header is absent).
local template = require "pl.template"

local function render(source, headers, query)
  local compiled = assert(template.compile(source, { escape = "\xff" }))
  local env = setmetatable({ type = type }, {
    __index = function(self, key)
      local value = ({ headers = headers, query_params = query })[key]
      rawset(self, key, value)
      return value
    end,
  })
  local out, err = compiled:render(env)
  assert(out, err)
  return out
end

local function entries(list)
  return function(_, i)
    i = i + 1
    if list[i] == nil then return nil end
    local name, value = list[i]:match("^([^:]+):*(.-)$")
    return i, name, value
  end, list, 0
end

function report(name, replace, add, headers, query, header)
  local out = {}
  for k, v in pairs(headers) do out[k] = v end
  for _, n, v in entries(replace) do
    n = n:lower()
    if out[n] then out[n] = render(v, headers, query) end
  end
  for _, n, v in entries(add) do
    if not out[n:lower()] then out[n:lower()] = render(v, headers, query) end
  end
  local value = out[header]
  if type(value) == "table" then value = table.concat(value, ",") end
  io.write(name, "\t", value == nil and "\1" or value, "\n")
end
