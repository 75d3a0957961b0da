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

-- One JSON line: throughput, latency percentiles (ms), errors.
function common.done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,' ..
    '"non_2xx":%d,"socket_errors":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end

return common
