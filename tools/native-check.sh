#!/usr/bin/env bash
# Checks the ahead-of-time compiled electra (.build/native, built by ./electra) against transformers' reference outputs:
# every shared fixture and both demo models on the CPU, one fixture on Vulkan, and the commands whose code paths
# differ most under NativeAOT (JSON output, safetensors writing). Prints one line per check; exits non-zero when any
# fails or when no native executable could be built.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="$root/../shared"
failures=0

if ! ELECTRA_NATIVE=1 "$root/electra" help >/dev/null || [ ! -x "$root/.build/native/electra" ]; then
  echo "native: FAIL no native electra in .build/native (see ./electra's messages above)"
  exit 1
fi
electra="$root/.build/native/electra"

check() {   # check NAME COMMAND...: the command must exit 0
  local name="$1"; shift
  local output
  if output="$("$@" 2>&1)"; then echo "native: ok   $name"; else
    echo "native: FAIL $name"; echo "$output" | tail -15 | sed 's/^/    /'; failures=$((failures + 1))
  fi
}

for reference in "$shared"/fixtures/*/ "$shared"/models/electra-tiny-rtd/*/; do
  [ -f "$reference/reference.safetensors" ] || continue
  check "validate $(basename "$reference")" "$electra" validate --reference "$reference"
done
# Vulkan under the Khronos validation layer, where installed: any message it prints is a failure.
layer=()
[ -f /usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json ] && layer=(env VK_INSTANCE_LAYERS=VK_LAYER_KHRONOS_validation)
vulkan="$("${layer[@]}" "$electra" validate --reference "$shared/fixtures/model_proj_gelu" --backend vulkan 2>&1)"
if [ $? -eq 0 ] && ! grep -Eqi 'VUID|validation (error|warning)' <<<"$vulkan"; then
  echo "native: ok   validate model_proj_gelu --backend vulkan${layer:+ (Khronos validation layer on)}"
else
  echo "native: FAIL validate model_proj_gelu --backend vulkan"; echo "$vulkan" | tail -15 | sed 's/^/    /'; failures=$((failures + 1))
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
fixture="$shared/fixtures/qa_positions"
# forward writes safetensors; validating the model against that file (as the reference) proves the file reads back.
mkdir -p "$scratch/roundtrip"
cp "$fixture/config.json" "$fixture/model.safetensors" "$fixture/inputs.json" "$scratch/roundtrip/"
check "forward writes safetensors" "$electra" forward --model "$fixture" --inputs "$fixture/inputs.json" --out "$scratch/roundtrip/reference.safetensors"
check "forward's file reads back" "$electra" validate --reference "$scratch/roundtrip" --abs 0 --rel 0
check "validate --json" "$electra" validate --reference "$fixture" --json "$scratch/report.json"
grep -q '"passed": true' "$scratch/report.json" 2>/dev/null || { echo "native: FAIL validate --json wrote no passing report"; failures=$((failures + 1)); }
bench="$("$electra" bench --model "$fixture" --batch 2 --seq 8 --warmup 1 --iterations 2 --json 2>&1)"
if grep -Eq '^\{"backend":"cpu".*"ms_median":[0-9.]+.*"load_ms":[0-9.]+.*"peak_rss_mb":[0-9.]+' <<<"$bench"; then
  echo "native: ok   bench --json"
else
  echo "native: FAIL bench --json printed: $bench"; failures=$((failures + 1))
fi

# The pipelines (tokenizer, demo models, JSON output) must print exactly what the managed build prints.
same() {   # same NAME ARGS...: native and managed output (stdout and stderr) must be identical
  local name="$1"; shift
  local native managed
  native="$("$electra" "$@" <"$stdin" 2>&1)"; managed="$(dotnet "$root/.build/cli/electra.dll" "$@" <"$stdin" 2>&1)"
  if [ "$native" = "$managed" ] && [ -n "$native" ]; then echo "native: ok   $name (same output as the managed build)"; else
    echo "native: FAIL $name differs from the managed build"; diff <(echo "$native") <(echo "$managed") | head -10 | sed 's/^/    /'
    failures=$((failures + 1))
  fi
}
stdin=/dev/null
same "detect --json" detect --json "The quick brown fox fake over the lazy dog" "Paris is the capital of France."
same "fill-mask" fill-mask --top-k 3 "the quick brown fox [MASK] over the lazy dog."
printf '%s\n' '{"text":"Héllo, wörld! The quick brown fox."}' '{"text":"naïve café","text_pair":"東京 is big"}' >"$scratch/lines.jsonl"
stdin="$scratch/lines.jsonl"
same "tokenize --offsets" tokenize --vocab "$root/models/electra-tiny-rtd/discriminator/vocab.txt" --offsets

[ "$failures" -eq 0 ]
