-- Shared by the workloads: the users' tokens and the JSON summary line `make bench` reads.
local common = {}

function common.tokens()
  local tokens = {}
  local path = os.getenv("BENCH_TOKENS") or "bench/.work/tokens.txt"
  for line in io.lines(path) do
    local user, token = line:match("^(%S+) (%S+)$")
    if user then tokens[#tokens + 1] = { user = user, token = token } end
  end
  return tokens
end

function common.headers(token, json)
  local h = { ["Authorization"] = "Bearer " .. token }
  if json then h["Content-Type"] = "application/json" end
  return h
end

-- Workloads that already read responses count the non-2xx ones by status in each thread
-- (`common.count`), so the summary says what they were. wrk hands thread globals back to
-- `done` only through the thread objects `setup` saw.
local threads = {}
function common.setup(thread) threads[#threads + 1] = thread end

function common.count(status)
  if status < 200 or status > 299 then
    non_2xx_by_status = non_2xx_by_status or {}
    local key = tostring(status)
    non_2xx_by_status[key] = (non_2xx_by_status[key] or 0) + 1
  end
end

local function by_status_json()
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("non_2xx_by_status") or {}) do total[status] = (total[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(total) do parts[#parts + 1] = string.format('"%s":%d', status, n) end
  table.sort(parts)
  return "{" .. table.concat(parts, ",") .. "}"
end

-- One JSON line: throughput, latency percentiles (ms), errors.
function common.done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,' ..
    '"non_2xx":%d,"non_2xx_by_status":%s,"socket_errors":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, by_status_json(), e.connect + e.read + e.write + e.timeout))
end

return common
