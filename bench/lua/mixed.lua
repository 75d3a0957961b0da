-- A mixed workload over the benchmark's users: create 30 %, get 20 %, patch 20 %, complete 15 %,
-- delete 15 %. Tasks made by this thread's creates are remembered (with their owner) and used
-- by the other operations.
package.path = "bench/lua/?.lua;" .. package.path
local common = require("common")
local tokens = common.tokens()
local by_user = {}
for _, t in ipairs(tokens) do by_user[t.user] = t.token end
local known = {}  -- { id, token }
local n = 0

local function create(t)
  return wrk.format("POST", "/api/v1/tasks", common.headers(t.token, true),
                    '{"title":"mixed task","due_date":"2030-01-01T09:00:00Z"}')
end

request = function()
  n = n + 1
  local roll = math.random(100)
  if roll <= 30 or #known == 0 then return create(tokens[(n % #tokens) + 1]) end
  local i = math.random(#known)
  local task = known[i]
  local path = "/api/v1/tasks/" .. task.id
  if roll <= 50 then
    return wrk.format("GET", path, common.headers(task.token, false))
  elseif roll <= 70 then
    return wrk.format("PATCH", path, common.headers(task.token, true), '{"title":"patched ' .. n .. '"}')
  elseif roll <= 85 then
    return wrk.format("POST", path .. "/complete", common.headers(task.token, false))
  end
  known[i] = known[#known]
  known[#known] = nil
  return wrk.format("DELETE", path, common.headers(task.token, false))
end

setup = common.setup

response = function(status, headers, body)
  common.count(status)
  if status == 201 then
    local id = body:match('"id":"([%x%-]+)"')
    local user = body:match('"user_id":"([^"]+)"')
    if id and user and by_user[user] and #known < 5000 then known[#known + 1] = { id = id, token = by_user[user] } end
  end
end
done = common.done
