#!/usr/bin/env bash
# Packs the libraries (Electra.Core, .Hub, .Cpu, .Vulkan, .Tokenizer, .Models) and the electra .NET tool (Electra.Cli)
# into artifacts/packages, or into the folder given as the first argument. Release build, one compile for all.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(mkdir -p "${1:-$root/artifacts/packages}" && cd "${1:-$root/artifacts/packages}" && pwd)"
# Electra.Cli references every library, so one build compiles them all; the packs below only collect the outputs.
dotnet build "$root/Electra.Cli/Electra.Cli.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly
for project in Electra.Core Electra.Hub Electra.Cpu Electra.Vulkan Electra.Tokenizer Electra.Models Electra.Cli; do
  dotnet pack "$root/$project/$project.csproj" -c Release --no-build -o "$out" -nologo -v quiet -clp:ErrorsOnly
done
ls "$out"/*.nupkg
