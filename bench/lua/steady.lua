-- POST /api/v1/tasks at a steady rate below saturation: each connection waits
-- BENCH_STEADY_DELAY_MS between its requests (run.sh derives it from the saturated create rate).
-- Shows whether the publishers keep up with a sustained create rate when the API does not take
-- every core: the outbox backlog must stay bounded.
dofile("bench/lua/create.lua")
local pause_ms = tonumber(os.getenv("BENCH_STEADY_DELAY_MS") or "30")
delay = function() return pause_ms end
