-- POST /api/v1/tasks, spread over the benchmark's users (each a separate actor).
package.path = "bench/lua/?.lua;" .. package.path
local common = require("common")
local tokens = common.tokens()
local n = 0
local body = '{"title":"benchmark task","description":"created by wrk","due_date":"2030-01-01T09:00:00Z"}'

request = function()
  n = n + 1
  local t = tokens[(n % #tokens) + 1]
  return wrk.format("POST", "/api/v1/tasks", common.headers(t.token, true), body)
end
done = common.done
