-- (5) The REST adapter's GET route.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
wrk.method = "GET"
wrk.path = "/v1/job/" .. bench_job .. "/secret"

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
