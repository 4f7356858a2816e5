#!/usr/bin/env bash
# Concurrency and memory soak: tools/soak.sh [cpu|vulkan] [threads] [forwards-per-thread] [soak-forwards] [extra options]
# Defaults are the reliability figures: 16 threads x 1,000 forwards, then 10,000 forwards in one process.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
backend="${1:-cpu}"; threads="${2:-16}"; per="${3:-1000}"; soak="${4:-10000}"
shift $(( $# < 4 ? $# : 4 ))
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build tools/Electra.Soak -c Release -v q -nologo >/dev/null
exec dotnet tools/Electra.Soak/bin/Release/net10.0/Electra.Soak.dll --backend "$backend" --threads "$threads" --per-thread "$per" --soak "$soak" "$@"
