#!/usr/bin/env bash
# Coverage-guided fuzzing with AFL++ and SharpFuzz: tools/afl-fuzz.sh [--execs N] [--timeout-ms T] [TARGET ...]
#
# Publishes fuzz/Electra.Fuzz.Afl (the managed fuzzer's targets behind SharpFuzz), instruments our assemblies with the
# SharpFuzz tool (installed into .build/sharpfuzz-tool), then runs afl-fuzz on each target in turn for about N
# executions (default 1,000,000; afl-fuzz -E) and prints, per target: executions, corpus paths, edges found and map
# coverage, crashes and hangs (from afl-fuzz's fuzzer_stats). Findings stay under .build/afl/findings/<target>/;
# replay one with: dotnet .build/afl/bin/Electra.Fuzz.Afl.dll <target> --run FILE...
# Needs afl-fuzz (Debian: apt-get install afl++). Runs at nice 19 (AFL_NICE=N to change); exit code 1 when any target has a crash or hang.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
execs=1000000
timeout_ms=10000
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --execs) execs="$2"; shift 2 ;;
    --timeout-ms) timeout_ms="$2"; shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(safetensors pickle config tokenizer-json tokenizer shard-index inputs-json vocab tokenizer-config special-tokens-map model-folder jsonl)
command -v afl-fuzz >/dev/null || { echo "afl-fuzz is not installed (Debian: apt-get install afl++)" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
work="$root/.build/afl"
tool="$root/.build/sharpfuzz-tool"
[ -x "$tool/sharpfuzz" ] || dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tool" >/dev/null

if [ -z "${AFL_REUSE_BUILD:-}" ] || [ ! -f "$work/bin/Electra.Fuzz.Afl.dll" ]; then
  rm -rf "$work/bin"
  dotnet publish fuzz/Electra.Fuzz.Afl -c Release -o "$work/bin" -nologo -v q -clp:ErrorsOnly >&2
  # Our libraries are instrumented whole; from the harness assembly only the CLI's JSON-lines reader compiled into it.
  for dll in Electra.Core Electra.Tokenizer Electra.Models; do "$tool/sharpfuzz" "$work/bin/$dll.dll" >&2; done
  "$tool/sharpfuzz" "$work/bin/Electra.Fuzz.dll" Electra.Cli >&2
fi

# A shared, busy machine: no CPU frequency check, no core binding, no crash-reporter check, plain log output.
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
export ELECTRA_REPO="$root"
status=0
printf '%-20s %12s %8s %8s %8s %8s %8s %10s\n' target executions paths edges map% crashes hangs execs/s
for t in "${targets[@]}"; do
  seeds="$work/seeds/$t"
  findings="$work/findings/$t"
  rm -rf "$seeds" "$findings"
  mkdir -p "$work/findings"
  dotnet "$work/bin/Electra.Fuzz.Afl.dll" "$t" --seeds "$seeds" >/dev/null
  # JSON targets get the JSON dictionary, so mutations insert whole tokens and key names.
  dict=()
  case "$t" in config|tokenizer-json|shard-index|inputs-json|tokenizer-config|special-tokens-map|jsonl|model-folder|safetensors)
    dict=(-x "$root/fuzz/dictionaries/json.dict") ;;
  esac
  nice -n "${AFL_NICE:-19}" afl-fuzz -i "$seeds" -o "$findings" -t "$timeout_ms" -m none -E "$execs" "${dict[@]}" -- \
    dotnet "$work/bin/Electra.Fuzz.Afl.dll" "$t" > "$work/$t.log" 2>&1 || { echo "$t: afl-fuzz failed, see $work/$t.log" >&2; status=1; continue; }
  stats="$findings/default/fuzzer_stats"
  get() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
  printf '%-20s %12s %8s %8s %8s %8s %8s %10s\n' "$t" "$(get execs_done)" "$(get corpus_count)" "$(get edges_found)" \
    "$(get bitmap_cvg)" "$(get saved_crashes)" "$(get saved_hangs)" "$(get execs_per_sec)"
  [ "$(get saved_crashes)" = 0 ] && [ "$(get saved_hangs)" = 0 ] || status=1
done
exit $status
