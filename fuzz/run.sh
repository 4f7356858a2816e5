#!/usr/bin/env bash
# Mutation-fuzzes one parser: fuzz/run.sh safetensors|pickle|config|tokenizer-json|tokenizer|shard-index|inputs-json|all [seconds] [extra options]
# Extra options go to the fuzzer: --execs N (stop after N executions), --seed N, --out DIR (default fuzz/out).
# Exit code 1 when a crash was found (its input is under fuzz/out/crashes/<target>/), 2 on a hang.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${1:?usage: fuzz/run.sh safetensors|pickle|config|tokenizer-json|tokenizer|shard-index|inputs-json|all [seconds] [--execs N] [--seed N]}"
seconds="${2:-60}"
shift; [ $# -gt 0 ] && shift
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build fuzz/Electra.Fuzz -c Release -v q -nologo >/dev/null
bin="fuzz/Electra.Fuzz/bin/Release/net10.0/Electra.Fuzz.dll"
if [ "$target" = all ]; then
  status=0
  for t in safetensors pickle config tokenizer-json tokenizer; do
    dotnet "$bin" "$t" --seconds "$seconds" "$@" || status=1
  done
  # The round-two targets get a third of the time each, so the CI smoke grows by less than a minute.
  for t in shard-index inputs-json; do
    dotnet "$bin" "$t" --seconds "$(( (seconds + 2) / 3 ))" "$@" || status=1
  done
  exit $status
fi
exec dotnet "$bin" "$target" --seconds "$seconds" "$@"
