-- wrk script for tools/serve-bench.sh: POSTs short texts (10-20 tokens) as JSON to the route wrk was given, rotating
-- through a fixed list so every connection sends different bodies, and prints one JSON line when done.
local texts = {
  "the quick brown fox jumps over the lazy dog near the river bank",
  "a small generator writes plausible fakes and the discriminator spots them",
  "she bought fresh bread and cheese at the market on saturday morning",
  "the committee will publish its final report early next week",
  "heavy rain is expected across the northern hills later tonight",
  "he forgot his umbrella at the station and walked home in the rain",
  "our new server answers requests in batches to use the cpu well",
  "the museum opens a new exhibition about ancient maps this spring",
  "please send the signed contract back to us before friday",
  "the team scored twice in the last ten minutes to win the match",
  "students gathered in the library to prepare for the final exams",
  "the recipe needs two eggs a cup of flour and some butter",
}
local field = os.getenv("BENCH_FIELD") or "inputs"
local counter = 0
request = function()
  counter = counter + 1
  local body = '{"' .. field .. '": "' .. texts[(counter % #texts) + 1] .. '"}'
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format(
    '{"requests": %d, "duration_s": %.3f, "requests_per_s": %.1f, "p50_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "errors": %d, "non_2xx": %d, "timeouts": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, errors, e.status, e.timeout))
end
