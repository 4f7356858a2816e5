// Replaced-token detection, ELECTRA's own task, from F#: tokenize sentences with the model's WordPiece vocabulary,
// run the demo discriminator on the CPU and print, per token, the probability that it was replaced.
//   dotnet fsi examples/classify.fsx ["a sentence" ...]
// examples/run.sh builds the libraries into .build/cli first (./electra does the same).
#I "../.build/cli"
#r "Electra.Core.dll"
#r "Electra.Cpu.dll"
#r "Electra.Tokenizer.dll"
#r "Electra.Models.dll"

open System
open System.IO
open Electra.Cpu
open Electra.Models
open Electra.Tokenizer

let modelDir = Path.Combine(__SOURCE_DIRECTORY__, "..", "models", "electra-tiny-rtd", "discriminator")
let sentences =
    match fsi.CommandLineArgs |> Array.skip 1 with
    | [||] -> [| "The quick brown fox fake over the lazy dog"; "The quick brown fox jumps over the lazy dog" |]
    | given -> given

let tokenizer = BertTokenizer.Load(modelDir)
let backend = new CpuBackend() // disposed at the end: `use` is not allowed at a script's top level
let model = ElectraPretrained.Load(modelDir, backend)

let sigmoid (x: float32) = 1.0 / (1.0 + exp (-(float x)))

for sentence in sentences do
    let encoding = tokenizer.Encode(sentence)
    let output = model.Forward(ModelInputs.FromIds [| Seq.toArray encoding.InputIds |])
    let probabilities = output.Logits.ToArray() |> Array.map sigmoid
    // Special tokens ([CLS], [SEP]) are never candidates.
    let scored =
        Seq.zip3 encoding.Tokens encoding.SpecialTokensMask probabilities
        |> Seq.filter (fun (_, special, _) -> special = 0)
        |> Seq.map (fun (token, _, p) -> token, p)
        |> Seq.toList
    printfn "%s" sentence
    printfn "  %s" (scored |> List.map (fun (t, p) -> sprintf "%s %.3f" t p) |> String.concat "  ")
    let token, p = scored |> List.maxBy snd
    printfn "  most likely replaced: %s (p=%.3f)" token p
backend.Dispose()
