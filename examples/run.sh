#!/usr/bin/env bash
# Runs every F# example with `dotnet fsi` against the Release build in .build/cli (what ./electra builds) and checks
# what each prints, then the package test (examples/packages.sh; skip it with ELECTRA_SKIP_PACKAGES=1).
# Prints one line per check and exits non-zero when any fails.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
failures=0

# ./electra builds the CLI and every library into .build/cli once (and again after a source change).
if ! "$root/electra" help >/dev/null; then
  echo "examples: FAIL building .build/cli"
  exit 1
fi

# expect NAME OUTPUT PATTERN...: every extended regular expression must match a line of OUTPUT.
expect() {
  local name="$1" output="$2"
  shift 2
  for pattern in "$@"; do
    if ! grep -Eq -- "$pattern" <<<"$output"; then
      echo "examples: FAIL $name: no line matches /$pattern/"
      echo "$output" | sed 's/^/    /'
      failures=$((failures + 1))
      return
    fi
  done
  echo "examples: ok   $name"
}

# run SCRIPT ARGS...: runs an example, its output in $out; a non-zero exit is a failure.
run() {
  if ! out="$(cd "$root" && dotnet fsi "examples/$1" "${@:2}" 2>&1)"; then
    echo "examples: FAIL $1 exited non-zero"
    failures=$((failures + 1))
  fi
}

# The demo discriminator flags the one replaced word ("fake" for "jumps"). The expected p are sigmoid of transformers'
# logits in ../shared/models/electra-tiny-rtd/discriminator/reference.safetensors (rows 0 and 1 are these sentences).
run classify.fsx
expect classify.fsx "$out" \
  "^  most likely replaced: fake \(p=0\.422\)$" \
  "^  most likely replaced: jumps \(p=0\.248\)$" \
  "^  the 0\.126  quick 0\.154  brown 0\.100  fox 0\.107  fake 0\.422"

# Every shared reference folder (fixtures and the shipped demo models) must match.
run validate.fsx
expect validate.fsx "$out" "^qa_positions +PASS" "^discriminator +PASS" "^([0-9]+) of \1 references match transformers$"

run ragged.fsx
expect ragged.fsx "$out" "^rows: 3, tokens: [0-9]+, values per token: 1$" "^row 0: [0-9]+ tokens, equal to the text alone: true$" \
  "^row 1: [0-9]+ tokens, equal to the text alone: true$" "^row 2: [0-9]+ tokens, equal to the text alone: true$"

run build-model.fsx
expect build-model.fsx "$out" "^padding invariant: true$" "^model_proj_gelu built from records: PASS: all 6 reference tensors" \
  "^negated out_proj negates the logits: true$"

# all-MiniLM-L6-v2 through Microsoft.Extensions.AI: the scores are those sentence-transformers' semantic-search example
# prints for these queries and documents (0.7035 and 0.6433).
run embed.fsx
expect embed.fsx "$out" "^5 documents, 384 dimensions, similarity cosine$" \
  "^  0\.703[45]  A man is eating food\.$" "^  0\.643[234]  A monkey is playing drums\.$"

# The exporter runs only where transformers is installed; here its command line must at least parse.
if command -v python3 >/dev/null; then
  out="$(python3 "$root/tools/export_reference.py" --help 2>&1)"
  expect "export_reference.py --help" "$out" "--float64-check"
fi

if [ "${ELECTRA_SKIP_PACKAGES:-0}" != 1 ]; then
  if out="$("$root/examples/packages.sh" 2>&1)"; then
    expect packages.sh "$out" "^PASS"
  else
    echo "examples: FAIL packages.sh"
    echo "$out" | sed 's/^/    /'
    failures=$((failures + 1))
  fi
fi

[ "$failures" -eq 0 ]
