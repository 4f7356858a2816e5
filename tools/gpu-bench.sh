#!/usr/bin/env bash
# The Vulkan backend on a real GPU, next to PyTorch eager on CUDA, in one self-contained folder.
#
#   tools/gpu-bench.sh prepare [DIR]   on a build machine (.NET SDK, glslc): publishes self-contained linux-x64 builds
#                                      of `electra` and the benchmarks, an ELECTRA-base-shaped random model
#                                      (config.json + model.safetensors, loaded by both sides), the shared fixtures
#                                      and this script into DIR (default .build/gpu-bench). Nothing is compiled later.
#   DIR/gpu-bench.sh run               on the GPU machine (Vulkan loader + driver; optional python3 with torch and
#                                      transformers on CUDA): prints one JSON line per measurement on stdout.
#
# What `run` measures, each step under its own time limit so that the whole run ends within 10 minutes:
#   {"step":"devices"}        `electra devices` (every Vulkan device, the one picked by default marked)
#   {"step":"validate"}       every fixture on --backend vulkan against transformers' reference outputs
#   {"step":"coopmat"}        where the device has cooperative matrices: every fixture under --precision f16 on each
#                             coopmat variant (ELECTRA_VULKAN_GEMM=nv, then khr) against transformers' float32
#                             reference within the float16 tolerance (abs = rel = 1.5e-2; activations in float16 too)
#   {"step":"packed"}         every fixture under --precision f16 with the packed f16vec2 GEMM arithmetic forced
#                             (ELECTRA_VULKAN_GEMM=f16 ELECTRA_VULKAN_HALF_MATH=on: the path AMD and Intel GPUs without
#                             matrix cores take by default; forced, it runs on any GPU) within the float16 tolerance
#   {"step":"gemm"}           the Vulkan linear's GFLOP/s on ELECTRA-small/base shapes on every GEMM path the device has
#                             (f32, f16 with float32 arithmetic, f16-packed, coopmat-nv, coopmat-khr), each float16 path
#                             checked against f32 ("within")
#   {"step":"electra"}        `electra bench --backend vulkan` on the base-shaped model at 1×128, 32×128 and 8×512,
#                             float32, float16 as the device chooses (weights and activations; "activation_precision",
#                             "gemm_path" and "half_arithmetic" in the result say which path ran), and "f16-packed"
#                             (packed f16vec2 arithmetic forced, no matrix cores): median/min ms, dispatches, barriers,
#                             submits, allocations
#   {"step":"torch"}          transformers' ElectraModel on CUDA, eager, fp32 / fp16 / bf16, same weights and shapes,
#                             with "ratio" = electra's median / torch's median at the same shape and precision
set -uo pipefail

mode="${1:-}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

prepare() {
  local root out
  root="$(cd "$here/.." && pwd)"
  out="$(mkdir -p "${1:-$root/.build/gpu-bench}" && cd "${1:-$root/.build/gpu-bench}" && pwd)"
  echo "publishing self-contained linux-x64 builds into $out ..." >&2
  dotnet publish "$root/Electra.Cli" -c Release -r linux-x64 --self-contained -p:PublishAot=false -o "$out/electra" >&2 || exit 1
  dotnet publish "$root/benchmarks/Electra.Benchmarks" -c Release -r linux-x64 --self-contained -o "$out/benchmarks" >&2 || exit 1
  "$out/benchmarks/Electra.Benchmarks" random-base --out "$out/electra-base-random" >/dev/null || exit 1
  rm -rf "$out/fixtures" && cp -r "$root/../shared/fixtures" "$out/fixtures"
  cp "$root/tools/gpu-bench.sh" "$out/gpu-bench.sh"
  cp "$root/tools/gpu-bench-torch.py" "$out/gpu-bench-torch.py"
  echo "done: copy $out to the GPU machine and run ./gpu-bench.sh run there" >&2
}

json_string() { python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))' 2>/dev/null || sed 's/"/\\"/g; s/^/"/; s/$/"/' | tr -d '\n'; }

run() {
  cd "$here"
  local electra="$here/electra/electra" model="$here/electra-base-random" started=$SECONDS
  command -v nvidia-smi >/dev/null && echo "{\"step\":\"gpu\",\"nvidia_smi\":$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | json_string)}"
  echo "{\"step\":\"devices\",\"output\":$(timeout 60 "$electra" devices 2>&1 | json_string)}"

  for fixture in "$here"/fixtures/*/; do
    [ -f "$fixture/reference.safetensors" ] || continue
    local name rc
    name="$(basename "$fixture")"
    timeout 60 "$electra" validate --reference "$fixture" --model "$fixture" --backend vulkan >/tmp/electra-validate.txt 2>&1
    rc=$?
    echo "{\"step\":\"validate\",\"fixture\":\"$name\",\"passed\":$([ $rc -eq 0 ] && echo true || echo false),\"exit\":$rc}"
  done

  # The cooperative-matrix kernels run nowhere else: each variant the device has, on every fixture, in float16.
  local gemm_line variants=()
  gemm_line="$(timeout 60 "$electra" devices 2>&1 | grep -m1 'f16 gemm')"
  case "$gemm_line" in
    *VK_KHR_cooperative_matrix\)*) variants=(nv khr) ;;
    *VK_NV_cooperative_matrix\)*) variants=(nv) ;;
  esac
  [ ${#variants[@]} -eq 0 ] && echo "{\"step\":\"coopmat\",\"skipped\":$(printf '%s' "$gemm_line" | json_string)}"
  for variant in "${variants[@]}"; do
    for fixture in "$here"/fixtures/*/; do
      [ -f "$fixture/reference.safetensors" ] || continue
      local name rc
      name="$(basename "$fixture")"
      ELECTRA_VULKAN_GEMM=$variant timeout 60 "$electra" validate --reference "$fixture" --model "$fixture" --backend vulkan \
        --precision f16 --abs 1.5e-2 --rel 1.5e-2 >/tmp/electra-validate.txt 2>&1
      rc=$?
      echo "{\"step\":\"coopmat\",\"variant\":\"$variant\",\"fixture\":\"$name\",\"passed\":$([ $rc -eq 0 ] && echo true || echo false),\"exit\":$rc}"
    done
  done

  # The packed float16 arithmetic, forced on whatever GPU this is (its default only on AMD and Intel without coopmat).
  for fixture in "$here"/fixtures/*/; do
    [ -f "$fixture/reference.safetensors" ] || continue
    local name rc
    name="$(basename "$fixture")"
    ELECTRA_VULKAN_GEMM=f16 ELECTRA_VULKAN_HALF_MATH=on timeout 60 "$electra" validate --reference "$fixture" --model "$fixture" \
      --backend vulkan --precision f16 --abs 1.5e-2 --rel 1.5e-2 >/tmp/electra-validate.txt 2>&1
    rc=$?
    echo "{\"step\":\"packed\",\"fixture\":\"$name\",\"passed\":$([ $rc -eq 0 ] && echo true || echo false),\"exit\":$rc}"
  done

  # Lines: "gemm MxNxK PATH: MS ms, GFLOP GFLOP/s[, vs f32 R of tolerance: ok|FAILED]"
  timeout 150 "$here/benchmarks/Electra.Benchmarks" vulkan-gemm --large --iterations 20 2>&1 | grep '^gemm ' | while read -r _ shape precision ms _ gflops _ rest; do
    local within=null
    case "$rest" in *": ok"*) within=true ;; *FAILED*) within=false ;; esac
    echo "{\"step\":\"gemm\",\"shape\":\"$shape\",\"precision\":\"${precision%:}\",\"ms\":${ms%,},\"gflops\":${gflops%,},\"within_f16_tolerance_of_f32\":$within}"
  done

  local results="/tmp/electra-gpu-bench.jsonl"
  : > "$results"
  for precision in f32 f16 f16-packed; do
    for shape in "1 128 40" "32 128 20" "8 512 20"; do
      set -- $shape
      local extra=() env=()
      [ "$precision" != f32 ] && extra=(--precision f16)
      [ "$precision" = f16-packed ] && env=(ELECTRA_VULKAN_GEMM=f16 ELECTRA_VULKAN_HALF_MATH=on)
      local line
      line="$(env "${env[@]}" timeout 90 "$electra" bench --model "$model" --backend vulkan --batch "$1" --seq "$2" --warmup 5 --iterations "$3" --json "${extra[@]}" 2>/dev/null | tail -1)"
      [ -n "$line" ] || line='{"error":"failed or timed out"}'
      echo "{\"step\":\"electra\",\"precision\":\"$precision\",\"batch\":$1,\"seq\":$2,\"result\":$line}" | tee -a "$results"
    done
  done

  if python3 -c 'import torch, transformers; assert torch.cuda.is_available()' 2>/dev/null; then
    local left=$(( 570 - (SECONDS - started) ))
    [ $left -gt 30 ] && timeout "$left" python3 "$here/gpu-bench-torch.py" --model "$model" --ours "$results"
  else
    echo '{"step":"torch","skipped":"python3 with torch (CUDA) and transformers not available"}'
  fi
}

case "$mode" in
  prepare) shift; prepare "$@" ;;
  run) run ;;
  *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
