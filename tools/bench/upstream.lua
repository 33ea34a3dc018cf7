-- (1) The upstream alone: fake-qovery's list endpoint, driven directly.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
wrk.method = "GET"
wrk.path = "/job/" .. bench_job .. "/secret"
wrk.headers["Authorization"] = "Token " .. os.getenv("BENCH_API_KEY")
wrk.headers["Accept"] = "application/json"

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
