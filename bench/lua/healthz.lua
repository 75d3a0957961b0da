-- GET /healthz: the same server's ceiling (no auth, no actor, no database).
package.path = "bench/lua/?.lua;" .. package.path
local common = require("common")

request = function() return wrk.format("GET", "/healthz") end
done = common.done
