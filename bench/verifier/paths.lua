-- wrk script: every request takes a random path from a file, one path a line.
--   wrk -t1 -c64 -d15s --latency -s paths.lua http://127.0.0.1:P -- PATHS_FILE
-- Requests are formatted once at start-up so the generator spends its CPU on sending.
-- done() prints one line "WRKJSON {...}" that run.py reads (latencies in microseconds).

local requests = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  local file = assert(args[1], "pass the paths file after --")
  -- A phone's browser, as a consumer scanning a mark would send.
  wrk.headers["User-Agent"] =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
  wrk.headers["Accept-Language"] = "zh-CN,zh;q=0.9"
  for line in io.lines(file) do
    if #line > 0 then
      requests[#requests + 1] = wrk.format("GET", line)
    end
  end
  assert(#requests > 0, "no paths in " .. file)
  math.randomseed(os.time() * 1000 + (id or 0))
end

function request()
  return requests[math.random(#requests)]
end

function done(summary, latency, _requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
