-- wrk script: durable creates, each with an id of its own (thread number and counter).
-- wrk -t2 -c64 -d10s --latency -s bench/load/create.lua http://127.0.0.1:PORT
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
local n = 0
local run = tostring(os.time())
function request()
  n = n + 1
  local body = string.format('{"id":"w%s-%d-%d","department":"Sales","segment":"Silver"}', run, tid, n)
  return wrk.format("POST", "/v1/items", {["Content-Type"] = "application/json"}, body)
end
local failures = 0
function response(status, headers, body)
  if status ~= 201 then failures = failures + 1 end
end
