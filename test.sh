#!/usr/bin/env bash
# Runs every test of the solution (Release) and ends with one line: "N passed, N failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$root/tools/ensure-deps.sh" --tests || exit 1
results="$root/.build/test-results"
rm -rf "$results"
mkdir -p "$results"
dotnet test "$root/Electra.sln" -c Release --logger "trx" --results-directory "$results" "$@"
status=$?
passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [ -x "$root/examples/run.sh" ]; then
  if "$root/examples/run.sh"; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
fi
# The ahead-of-time compiled electra against the reference outputs (one counted check; see tools/native-check.sh).
if "$root/tools/native-check.sh"; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
# The native electra over generated hostile model folders: only exit codes 0-3, no stack trace (tools/hostile-models.sh).
if "$root/tools/hostile-models.sh"; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
# Hugging Face's own JavaScript client (@huggingface/inference) against electra serve: the vectors of electra embed.
if "$root/tools/tei-client-check.sh"; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
# .ci/run runs the fuzz smoke first and hands its exit status over, so the summary counts it as one test.
if [ -n "${ELECTRA_FUZZ_STATUS:-}" ]; then
  if [ "$ELECTRA_FUZZ_STATUS" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
fi
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then status=1; fi
echo "$passed passed, $failed failed"
exit $status
