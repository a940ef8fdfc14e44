-- BENCH_BUST=1: every request carries a new random `_=` parameter, so none finds a kept page.
if os.getenv("BENCH_BUST") == "1" then
  math.randomseed(os.time())
  request = function()
    local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
    return wrk.format(nil, wrk.path .. sep .. "_=" .. math.random(1, 2000000000))
  end
end

-- wrk `done` hook: one machine-readable line with exact percentiles (microseconds),
-- including the 95th that wrk's --latency table leaves out.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d mean_us=%.1f p50_us=%d p75_us=%d p90_us=%d " ..
    "p95_us=%d p99_us=%d max_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, latency.mean,
    latency:percentile(50.0), latency:percentile(75.0), latency:percentile(90.0),
    latency:percentile(95.0), latency:percentile(99.0), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
