#!/usr/bin/env bash
# Packs Electra.NET (tools/pack.sh) into a local folder feed, then, in a clean temporary folder with its own NuGet
# cache, restores the packages from that feed and runs them: an F# script with `#r "nuget: Electra.Models"` and the
# electra .NET tool. Third-party dependencies come from the usual sources. Exit 0 only when both match transformers.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/electra-packages.XXXXXX")"
trap 'rm -rf "$work"' EXIT
feed="$work/feed"
"$root/tools/pack.sh" "$feed" >/dev/null

# The Electra.* ids come only from the local feed (source mapping), everything else from the sources configured on
# this machine; the global-packages folder is used as an extra offline source for what is already downloaded.
cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
cat >"$work/NuGet.Config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="electra-local" value="$feed" />
    <add key="machine-cache" value="$cache" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="electra-local"><package pattern="Electra.*" /></packageSource>
    <packageSource key="machine-cache"><package pattern="*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
XML
cp "$root/examples/package-smoke.fsx" "$work/"
export NUGET_PACKAGES="$work/nuget-packages"
model="$root/models/electra-tiny-rtd/discriminator"
reference="$root/../shared/models/electra-tiny-rtd/discriminator"

cd "$work"
script_out="$(dotnet fsi package-smoke.fsx "$model" "$reference" 2>&1)" || { echo "$script_out"; exit 1; }
echo "$script_out"
grep -q "^Electra.Models loaded from $NUGET_PACKAGES/electra.models/0.1.0/lib/" <<<"$script_out"
grep -q "^PASS: all 10 reference tensors" <<<"$script_out"

dotnet tool install Electra.Cli --version 0.1.0 --tool-path "$work/tool" --configfile "$work/NuGet.Config" >/dev/null
tool_out="$("$work/tool/electra" validate --model "$model" --reference "$reference" 2>&1)" || { echo "$tool_out"; exit 1; }
echo "$tool_out" | tail -1
grep -q "^PASS" <<<"$tool_out"
