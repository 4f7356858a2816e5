// Uses Electra.NET the way a package user does: `#r "nuget: ..."`, nothing from this repository's build.
// examples/run.sh packs the libraries into a local folder feed and runs this script from a clean folder:
//   dotnet fsi package-smoke.fsx MODEL_DIR REFERENCE_DIR
#r "nuget: Electra.Models, 0.1.0"
#r "nuget: Electra.Cpu, 0.1.0"

open Electra.Cpu
open Electra.Models
open Electra.Models.Validation

let modelDir, referenceDir =
    match fsi.CommandLineArgs with
    | [| _; model; reference |] -> model, reference
    | _ -> failwith "usage: dotnet fsi package-smoke.fsx MODEL_DIR REFERENCE_DIR"

let backend = new CpuBackend()
let model = ElectraPretrained.Load(modelDir, backend)
let report = ReferenceValidator.Validate(model, ReferenceCase.Load referenceDir)
// The assembly must come from the NuGet cache (…/electra.models/0.1.0/lib/…), not from a build folder.
printfn "Electra.Models loaded from %s" (typeof<ElectraPretrained>.Assembly.Location.Replace('\\', '/'))
printfn "%s" (ValidationReportText.Verdict report)
backend.Dispose()
if not report.Passed then exit 1
