#!/usr/bin/env bash
# Installs the Debian packages the build (and, with --tests, the Vulkan tests) need, when they are missing.
#   build: glslc compiles the GLSL compute shaders to SPIR-V that Electra.Vulkan embeds; spirv-val (spirv-tools)
#          validates the cooperative-matrix ones, which no device here can run.
#   tests: Mesa's lavapipe (a Vulkan driver on the CPU), the Vulkan loader and the Khronos validation layer; and, where
#          no C compiler is installed, clang for the NativeAOT build of electra that the tests check (./electra itself
#          falls back to the managed build without one); and Node.js with npm where missing, for the check that runs
#          Hugging Face's JavaScript TEI client against electra serve (tools/tei-client-check.sh).
set -euo pipefail
packages=(glslc spirv-tools)
if [ "${1:-}" = "--tests" ]; then
  packages+=(mesa-vulkan-drivers libvulkan1 vulkan-validationlayers)
  "$(dirname "${BASH_SOURCE[0]}")/native-toolchain.sh" >/dev/null || packages+=(clang zlib1g-dev)
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
fi
command -v dpkg >/dev/null 2>&1 || exit 0   # not Debian/Ubuntu: install the equivalents by hand
need=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "missing packages: ${need[*]} — install them with: apt-get install ${need[*]}" >&2; exit 1
  fi
fi
echo "installing ${need[*]} (apt)..." >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
