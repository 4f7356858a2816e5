// Replaced-token detection, ELECTRA's own task, from F#: the demo discriminator scores every token of each sentence
// with the probability that it was replaced (the ReplacedTokenDetection pipeline: tokenizer, model, sigmoid).
//   dotnet fsi examples/classify.fsx ["a sentence" ...]
// examples/run.sh builds the libraries into .build/cli first (./electra does the same).
#I "../.build/cli"
#r "Electra.Core.dll"
#r "Electra.Hub.dll"
#r "Electra.Cpu.dll"
#r "Electra.Tokenizer.dll"
#r "Electra.Models.dll"

open System.IO
open Electra.Cpu
open Electra.Models.Pipelines

let modelDir = Path.Combine(__SOURCE_DIRECTORY__, "..", "models", "electra-tiny-rtd", "discriminator")
let sentences =
    match fsi.CommandLineArgs |> Array.skip 1 with
    | [||] -> [| "The quick brown fox fake over the lazy dog"; "The quick brown fox jumps over the lazy dog" |]
    | given -> given

let backend = new CpuBackend() // disposed at the end: `use` is not allowed at a script's top level
let detect = ReplacedTokenDetection.Load(modelDir, backend)

for result in detect.Run sentences do
    printfn "%s" result.Text
    result.Tokens
    |> Seq.filter (fun t -> not t.IsSpecial)
    |> Seq.map (fun t -> sprintf "%s %.3f" t.Token t.Score)
    |> String.concat "  "
    |> printfn "  %s"
    match result.MostLikelyReplaced with
    | null -> printfn "  (no words)"
    | word -> printfn "  most likely replaced: %s (p=%.3f)" word.Word word.Score
backend.Dispose()
