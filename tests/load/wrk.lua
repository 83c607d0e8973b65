-- wrk script of the load benchmark (tests/load/run.sh). With LOAD_BODY_FILE set, every request is a POST of that
-- file's bytes (application/octet-stream). done() prints one machine-readable line that run.sh parses:
-- requests, duration, p50/p99 latency (microseconds) and wrk's error counters (status = answers >= 400).
local body_file = os.getenv("LOAD_BODY_FILE")
if body_file ~= nil and body_file ~= "" then
    local file = assert(io.open(body_file, "rb"))
    wrk.method = "POST"
    wrk.body = file:read("*a")
    file:close()
    wrk.headers["Content-Type"] = "application/octet-stream"
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "LOADRESULT requests=%d duration_us=%d bytes=%d p50_us=%d p99_us=%d mean_us=%.1f max_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
        summary.requests, summary.duration, summary.bytes,
        latency:percentile(50), latency:percentile(99), latency.mean, latency.max,
        e.connect, e.read, e.write, e.status, e.timeout))
end
