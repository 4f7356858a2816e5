// Ragged batches from F#: texts of different lengths go through the model packed end to end, with no padding, and
// each comes back as its own typed row (TokenValues: one vector of logits per token). Each row equals, bit for bit,
// the same text run alone, because a row attends only to itself and the CPU kernels never mix rows.
//   dotnet fsi examples/ragged.fsx ["a sentence" ...]
// examples/run.sh builds the libraries into .build/cli first (./electra does the same).
#I "../.build/cli"
#r "Electra.Core.dll"
#r "Electra.Cpu.dll"
#r "Electra.Tokenizer.dll"
#r "Electra.Models.dll"

open System.IO
open Electra.Cpu
open Electra.Models
open Electra.Tokenizer

let modelDir = Path.Combine(__SOURCE_DIRECTORY__, "..", "models", "electra-tiny-rtd", "discriminator")
let texts =
    match fsi.CommandLineArgs |> Array.skip 1 with
    | [||] -> [| "The quick brown fox fake over the lazy dog"; "A short one"; "Ragged batches need no padding at all, whatever the lengths" |]
    | given -> given

let backend = new CpuBackend() // disposed at the end: `use` is not allowed at a script's top level
let model = ElectraPretrained.Load(modelDir, backend)
let tokenizer = BertTokenizer.Load modelDir
let encodings = texts |> Array.map (fun t -> tokenizer.Encode t)

let together = model.Forward<TokenValues>(RaggedBatch.FromEncodings encodings)
printfn "rows: %d, tokens: %d, values per token: %d" together.Count together.Values.Shape.[0] together.Width
for row in 0 .. together.Count - 1 do
    let alone = model.Forward<TokenValues>(RaggedBatch.FromEncodings [| encodings.[row] |])
    let same = together.Row(row).ToArray() = alone.Row(0).ToArray()
    printfn "row %d: %d tokens, equal to the text alone: %b" row (together.RowLength row) same
backend.Dispose()
