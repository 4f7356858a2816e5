#!/usr/bin/env bash
# A TEI client that is not ours: Hugging Face's npm package @huggingface/inference asks `electra serve` for
# embeddings, which must equal `electra embed`'s for the same texts (default model all-MiniLM-L6-v2).
# Loopback only; the server is stopped on exit. Exit 0 when every vector matches within 1e-6.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export ELECTRA_CACHE="$work/cache"
texts=("The quick brown fox jumps over the lazy dog." "Électra.NET embeds text in .NET." "一个简单的句子")

(cd "$root/tools/tei-client" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

"$root/electra" embed --json "${texts[@]}" >"$work/ours.jsonl"
model="$ELECTRA_CACHE/all-MiniLM-L6-v2"
[ -f "$model/modules.json" ] || { echo "tei-client-check: $model was not created by electra embed" >&2; exit 1; }

"$root/electra" serve --model "$model" --port 0 >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
url=""
for _ in $(seq 1 600); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.out" | head -1 || true)
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "tei-client-check: electra serve exited:" >&2; cat "$work/serve.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "tei-client-check: electra serve did not report its address" >&2; exit 1; }

node "$root/tools/tei-client/check.mjs" "$url" "${texts[@]}" >"$work/client.jsonl"

python3 - "$work/ours.jsonl" "$work/client.jsonl" <<'PY'
import json, sys
ours = [json.loads(l)["embedding"] for l in open(sys.argv[1]) if l.strip()]
theirs = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
assert len(ours) == len(theirs) == 3, (len(ours), len(theirs))
worst = max(abs(a - b) for o, t in zip(ours, theirs) for a, b in zip(o, t))
assert all(len(o) == len(t) == 384 for o, t in zip(ours, theirs)), "dimensions differ"
print(f"tei-client-check: @huggingface/inference featureExtraction = electra embed on {len(ours)} texts (max |diff| {worst:.2e})")
sys.exit(0 if worst <= 1e-6 else 1)
PY
