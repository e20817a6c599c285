-- wrk script: POST the adder's example input to /api/v1/perform of adder 1.0.0 … 1.0.9 in turn
wrk.method = "POST"
wrk.body = '{"numbers": [40, 2]}'
wrk.headers["Content-Type"] = "application/json"
local i = 0
request = function()
  local path = "/pub/job/adder/1.0." .. i .. "/api/v1/perform"
  i = (i + 1) % 10
  return wrk.format(nil, path)
end
