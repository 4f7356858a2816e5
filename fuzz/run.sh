#!/usr/bin/env bash
# Mutation-fuzzes one parser: fuzz/run.sh TARGET|all [seconds] [extra options]
# Targets: safetensors pickle config tokenizer-json tokenizer shard-index inputs-json vocab tokenizer-config
#          special-tokens-map model-folder jsonl. "all" gives each target half the seconds (the CI smoke: all 60, 6 min).
# Extra options go to the fuzzer: --execs N (stop after N executions), --seed N, --out DIR (default fuzz/out).
# Exit code 1 when a crash was found (its input is under fuzz/out/crashes/<target>/), 2 on a hang, 3 on a slowdown
# (an input whose CPU time per byte is over 10 times the seeds', confirmed by the least of 5 reruns).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
targets=(safetensors pickle config tokenizer-json tokenizer shard-index inputs-json vocab tokenizer-config special-tokens-map model-folder jsonl)
target="${1:?usage: fuzz/run.sh TARGET|all [seconds] [--execs N] [--seed N] (targets: ${targets[*]})}"
seconds="${2:-60}"
shift; [ $# -gt 0 ] && shift
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build fuzz/Electra.Fuzz -c Release -v q -nologo >/dev/null
bin="fuzz/Electra.Fuzz/bin/Release/net10.0/Electra.Fuzz.dll"
if [ "$target" = all ]; then
  # Twelve targets at half the time each keep the CI smoke near six minutes.
  status=0
  for t in "${targets[@]}"; do
    dotnet "$bin" "$t" --seconds "$(( (seconds + 1) / 2 ))" "$@" || status=1
  done
  exit $status
fi
exec dotnet "$bin" "$target" --seconds "$seconds" "$@"
