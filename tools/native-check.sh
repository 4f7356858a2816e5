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

[ "$failures" -eq 0 ]
