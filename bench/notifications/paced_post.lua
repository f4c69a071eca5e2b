-- wrk script: POST /tasks at a steady pace. Each connection pauses DELAY_MS after each answer,
-- so N connections send about N * 1000 / (DELAY_MS + latency) writes per second.
local delay_ms = tonumber(os.getenv("DELAY_MS"))
local counter = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")

function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, '{"title": "latency bench ' .. counter .. '"}')
end

function delay()
  return delay_ms
end
