// Builds ELECTRA models from F# records and in-memory tensors (no files), and runs them:
//  1. a tiny random sequence classifier, checked for padding invariance;
//  2. the config of the shared fixture model_proj_gelu written as a record, with its weights passed in as an F# Map,
//     checked against transformers' reference outputs;
//  3. a model put together from the module records (ElectraBody, heads) by their constructors: the classifier's head
//     replaced (C# can write the same with `with`).
//   dotnet fsi examples/build-model.fsx
#I "../.build/cli"
#r "Electra.Core.dll"
#r "Electra.Hub.dll"
#r "Electra.Cpu.dll"
#r "Electra.Tokenizer.dll"
#r "Electra.Models.dll"

open System
open System.IO
open System.Collections.Generic
open System.Collections.Immutable
open Electra.Core.Checkpoints
open Electra.Core.Configuration
open Electra.Core.Tensors
open Electra.Cpu
open Electra.Models
open Electra.Models.Loading
open Electra.Models.Validation

let backend = new CpuBackend() // disposed at the end: `use` is not allowed at a script's top level

// 1. A random three-label classifier.
let config =
    ElectraConfig(
        VocabSize = 64, EmbeddingSize = 16, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 4,
        IntermediateSize = 48, HiddenAct = "gelu", MaxPositionEmbeddings = 32,
        Id2Label = ImmutableSortedDictionary.CreateRange(dict [ 0, "negative"; 1, "neutral"; 2, "positive" ]))
        .Validate()
let architecture = ElectraArchitecture.ElectraForSequenceClassification
let rng = Random 7
let randomTensor (shape: ImmutableArray<int>) =
    let values = Array.init (int (TensorShape.ElementCount shape)) (fun _ -> float32 (rng.NextDouble() - 0.5) * 0.6f)
    HostTensor(shape, ReadOnlyMemory values)
let weights =
    StateDictLayout.Expected(config, architecture)
    |> Seq.map (fun struct (key, shape) -> KeyValuePair(key, randomTensor shape))
    |> Dictionary
let model = ElectraPretrained.FromWeights(config, new InMemoryWeights(weights), backend, architecture)

let ids = [| 1; 17; 42; 5; 2 |]
let padded = Array.append ids [| 0; 0; 0 |]
let mask = Array.append (Array.create ids.Length 1) [| 0; 0; 0 |]
let alone = model.Forward(ModelInputs.FromIds [| ids |]).Logits.ToArray()
// The same sentence padded to 8 in a batch beside a full-length one must give the same logits.
let other = [| 3; 9; 11; 4; 6; 8; 10; 2 |]
let batch = model.Forward(ModelInputs.FromIds([| padded; other |], [| mask; Array.create 8 1 |])).Logits.ToArray()
let softmax (xs: float32[]) =
    let m = Array.max xs
    let e = xs |> Array.map (fun x -> exp (float (x - m)))
    e |> Array.map (fun v -> v / Array.sum e)
let probabilities = softmax alone
printfn "random classifier: %d parameters in %d tensors" (weights.Values |> Seq.sumBy (fun t -> t.ElementCount)) weights.Count
printfn "  %s" (probabilities |> Array.mapi (fun i p -> sprintf "%s %.3f" config.Id2Label[i] p) |> String.concat ", ")
let invariant = Array.forall2 (fun (a: float32) (b: float32) -> abs (a - b) <= 1e-5f * (1.0f + abs a)) alone batch[0..2]
printfn "padding invariant: %b" invariant

// 2. model_proj_gelu: V120 E16 H32 L2 A2 I48 gelu, eps 1e-12, 40 positions, written as a record instead of read from config.json.
let fixture = Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "shared", "fixtures", "model_proj_gelu")
let fixtureConfig =
    ElectraConfig(
        VocabSize = 120, EmbeddingSize = 16, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 2,
        IntermediateSize = 48, HiddenAct = "gelu", LayerNormEps = 1e-12, MaxPositionEmbeddings = 40)
let fixtureWeights =
    use file = SafetensorsFile.Open(Path.Combine(fixture, "model.safetensors"))
    file.Keys |> Seq.map (fun key -> key, file.ReadFloat32 key) |> Map.ofSeq
let fromRecords =
    ElectraPretrained.FromWeights(
        fixtureConfig, new InMemoryWeights(fixtureWeights), backend, ElectraArchitecture.ElectraModel)
let report = ReferenceValidator.Validate(fromRecords, ReferenceCase.Load fixture)
printfn "model_proj_gelu built from records: %s" (ValidationReportText.Verdict report)

// 3. The modules are immutable records named after transformers' (ElectraEncoder, ElectraLayer, ElectraSelfAttention,
//    ElectraClassificationHead, ...). A new model from the classifier's body and a head whose out_proj is the
//    negated one gives the negated logits; the original model is untouched.
let classifier = (model.Head :?> Heads.SequenceClassificationHead).Classifier
let negatedOutProj =
    let weight = weights["classifier.out_proj.weight"]
    let bias = weights["classifier.out_proj.bias"]
    let negate (t: HostTensor) = HostTensor(t.Shape, ReadOnlyMemory(t.ToArray() |> Array.map (fun v -> -v)))
    backend.UploadLinear(negate weight, negate bias)
let negatedHead = Heads.SequenceClassificationHead(Heads.ElectraClassificationHead(classifier.Dense, negatedOutProj))
let negated = ElectraPretrained(config, model.Body, negatedHead, backend)
let flipped = negated.Forward(ModelInputs.FromIds [| ids |]).Logits.ToArray()
let negatesLogits = Array.forall2 (fun (a: float32) (b: float32) -> abs (a + b) <= 1e-5f * (1.0f + abs a)) alone flipped
printfn "layers: %d, attention heads: %d" model.Body.Encoder.Layers.Length model.Body.Encoder.Layers[0].Attention.Self.NumAttentionHeads
printfn "negated out_proj negates the logits: %b" negatesLogits
backend.Dispose()
if not (invariant && report.Passed && negatesLogits) then exit 1
