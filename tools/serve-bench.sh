#!/usr/bin/env bash
# Load test of `electra serve` on loopback with wrk (Debian package `wrk`), on ELECTRA-small-shaped weights:
#   1. /predict with dynamic batching (default options),
#   2. /predict with --max-batch-requests 1 (every request its own forward pass),
#   3. /embed with dynamic batching (when the model serves it),
#   4. the in-process pipeline on the same texts (electra classify --input, batch 64), for the HTTP layer's cost, and
#      at batch 1, for the most that batching can give on this machine.
# Each load is CONNECTIONS connections for SECONDS seconds of short texts (10-20 tokens). Prints one JSON object.
#   tools/serve-bench.sh [SECONDS=30] [CONNECTIONS=64]
# Only 127.0.0.1 is contacted. Figures depend on the machine's load: rerun on a quiet machine for BENCHMARKS.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-30}"
connections="${2:-64}"
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
work="$(mktemp -d)"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
python3 "$root/tools/make-bench-model.py" "$root/../shared" "$work/model" >/dev/null
"$root/electra" help >/dev/null   # build once, outside the timed part

start() {   # start MODEL [options...]: serve on a free port, wait for /health; sets $url
  "$root/electra" serve --model "$@" --port 0 --log-level warning >"$work/serve.out" 2>"$work/serve.err" &
  server_pid=$!
  for _ in $(seq 600); do
    url="$(sed -n 's/.* on \(http[^ ]*\)$/\1/p' "$work/serve.out")"
    [ -n "$url" ] && curl -sf "${url}health" >/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
    sleep 0.1
  done
  echo "the server did not start" >&2; exit 1
}
stop() { kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""; }
load() {   # load ROUTE: prints wrk's JSON line, with the server's batch figures and CPU time appended
  curl -sf -XPOST "${url}$1" -H 'content-type: application/json' -d '{"inputs": "warm up"}' >/dev/null || true
  local cpu0; cpu0="$(awk '{print $14 + $15}' "/proc/$server_pid/stat")"
  BENCH_FIELD=inputs wrk -t2 -c"$connections" -d"${seconds}s" --timeout 30s -s "$root/tools/serve-bench.lua" "${url}${1#/}" \
    | grep '^{' | tr -d '\n' | sed 's/}$//'
  local cpu1; cpu1="$(awk '{print $14 + $15}' "/proc/$server_pid/stat")"
  local metrics; metrics="$(curl -sf "${url}metrics")"
  local batches; batches="$(sed -n 's/^electra_batch_size_count \(.*\)/\1/p' <<<"$metrics")"
  local requests; requests="$(sed -n 's/^electra_batch_size_sum \(.*\)/\1/p' <<<"$metrics")"
  local busy; busy="$(sed -n 's/^electra_inference_duration_seconds_sum \(.*\)/\1/p' <<<"$metrics")"
  # Where the time goes: the share of the run the inference thread spent in forward passes (1.0: the model is the
  # bottleneck, not HTTP or queueing), and the server's CPU time per request (user + system, all threads; less
  # sensitive to other processes on the machine than requests/s).
  echo ", \"forward_passes\": ${batches:-0}, \"mean_requests_per_pass\": $(python3 -c "print(round(${requests:-0}/max(${batches:-0},1),2))"),"\
    "\"inference_busy_share\": $(python3 -c "print(round(${busy:-0}/$seconds,3))"),"\
    "\"server_cpu_ms_per_request\": $(python3 -c "import os; print(round(($cpu1-$cpu0)/os.sysconf('SC_CLK_TCK')*1000/max(${requests:-0},1),3))")}"
}

start "$work/model/classifier"
batched="$(load /predict)"; stop
start "$work/model/classifier" --max-batch-requests 1
unbatched="$(load /predict)"; stop
embed="null"
start "$work/model/embedder"
if [ "$(curl -s -o /dev/null -w '%{http_code}' -XPOST "${url}embed" -H 'content-type: application/json' -d '{"inputs":"a"}')" = 200 ]; then
  embed="$(load /embed)"
fi
stop

# In-process: the same 12 texts, repeated, through the classification pipeline (batch 64), minus the load time.
python3 - "$work/texts.jsonl" "$root/tools/serve-bench.lua" <<'PY'
import re, sys
texts = re.findall(r'^  "(.*)",$', open(sys.argv[2]).read(), re.M)
with open(sys.argv[1], "w") as f:
    for i in range(3000):
        f.write('{"text": "%s"}\n' % texts[i % len(texts)])
PY
head -1 "$work/texts.jsonl" >"$work/one.jsonl"
t0=$(date +%s.%N); "$root/electra" classify --model "$work/model/classifier" --input "$work/one.jsonl" --json >/dev/null; t1=$(date +%s.%N)
"$root/electra" classify --model "$work/model/classifier" --input "$work/texts.jsonl" --batch-size 64 --json >/dev/null; t2=$(date +%s.%N)
inprocess=$(python3 -c "print(round(3000 / max(($t2 - $t1) - ($t1 - $t0), 1e-9), 1))")
# The same pipeline one text per forward pass: in-process batch 64 over batch 1 is the most dynamic batching can
# give on this machine (the model's own per-row cost at 1 row and at many), whatever the HTTP layer does.
head -600 "$work/texts.jsonl" >"$work/some.jsonl"
t3=$(date +%s.%N); "$root/electra" classify --model "$work/model/classifier" --input "$work/some.jsonl" --batch-size 1 --json >/dev/null; t4=$(date +%s.%N)
inprocess1=$(python3 -c "print(round(600 / max(($t4 - $t3) - ($t1 - $t0), 1e-9), 1))")

python3 - "$batched" "$unbatched" "$embed" "$inprocess" "$inprocess1" "$seconds" "$connections" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$load_at_start" <<'PY'
import json, sys
batched, unbatched, embed = (json.loads(a) for a in sys.argv[1:4])
inproc, inproc1 = float(sys.argv[4]), float(sys.argv[5])
print(json.dumps({
    "model": "ELECTRA-small shape (12 layers, hidden 256), random weights, bert-base-uncased vocabulary",
    "seconds": int(sys.argv[6]), "connections": int(sys.argv[7]), "cpus": int(sys.argv[8]), "load_average_at_start": sys.argv[10], "load_average": sys.argv[9],
    "predict_dynamic_batching": batched,
    "predict_max_batch_requests_1": unbatched,
    "embed_dynamic_batching": embed,
    "in_process_pipeline_texts_per_s": inproc,
    "in_process_batch_1_texts_per_s": inproc1,
    "in_process_batching_ceiling": round(inproc / max(inproc1, 1e-9), 2),
    "batching_speedup": round(batched["requests_per_s"] / max(unbatched["requests_per_s"], 1e-9), 2),
    "http_share_of_in_process": round(batched["requests_per_s"] / max(inproc, 1e-9), 3),
}, indent=2))
PY
