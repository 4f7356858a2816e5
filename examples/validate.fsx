// Checks that this library computes what HF transformers computed: every shared reference folder (inputs.json,
// reference.safetensors, case.json) against the model beside it, every hidden state, attention and logit.
//   dotnet fsi examples/validate.fsx [REFERENCE_DIR ...]
// Exits 1 when any reference is not matched. The same check is `electra validate --reference DIR`.
#I "../.build/cli"
#r "Electra.Core.dll"
#r "Electra.Hub.dll"
#r "Electra.Cpu.dll"
#r "Electra.Tokenizer.dll"
#r "Electra.Models.dll"

open System.IO
open Electra.Cpu
open Electra.Models
open Electra.Models.Validation

let shared = Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "shared")
let folders =
    match fsi.CommandLineArgs |> Array.skip 1 with
    | [||] ->
        Array.append
            (Directory.GetDirectories(Path.Combine(shared, "fixtures")))
            (Directory.GetDirectories(Path.Combine(shared, "models", "electra-tiny-rtd")))
        |> Array.filter (fun d -> File.Exists(Path.Combine(d, "case.json")))
        |> Array.sort
    | given -> given

let validate (folder: string) =
    use backend = new CpuBackend()
    let reference = ReferenceCase.Load folder
    let architecture = reference.ClassName |> Option.ofObj |> Option.map ElectraArchitectures.Parse |> Option.toNullable
    let model = ElectraPretrained.Load(folder, backend, architecture)
    ReferenceValidator.Validate(model, reference)

let reports = folders |> Array.map (fun folder -> Path.GetFileName folder, validate folder)
for name, report in reports do
    let worst = report.Tensors |> Seq.map (fun t -> t.ToleranceUsed) |> Seq.max
    printfn "%-28s %s  %2d tensors, worst %5.1f%% of tolerance" name (if report.Passed then "PASS" else "FAIL") report.Tensors.Length (100.0 * worst)
    if not report.Passed then printfn "  %s" (ValidationReportText.Verdict report)

let passed = reports |> Array.filter (fun (_, r) -> r.Passed) |> Array.length
printfn "%d of %d references match transformers" passed reports.Length
if passed <> reports.Length then exit 1
