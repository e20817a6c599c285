-- wrk script: POST the adder's example input to /api/v1/perform
wrk.method = "POST"
wrk.body = '{"numbers": [40, 2]}'
wrk.headers["Content-Type"] = "application/json"
