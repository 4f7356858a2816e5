using Electra.Cli.Benchmarking;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Electra.Benchmarks;

/// <summary>ONNX Runtime on model.onnx with the same inputs and thread count, for side-by-side timing.</summary>
public sealed class OrtRunner : IDisposable
{
    readonly InferenceSession _session;

    public OrtRunner(string onnxPath, int threads) : this(onnxPath, Options(threads)) { }

    public OrtRunner(string onnxPath, SessionOptions options)
    {
        // Weights are external data next to the .onnx file: the session must load from the file path.
        _session = new InferenceSession(onnxPath, options);
    }

    /// <summary>The session settings of every side-by-side run (and of ort-profile's profiled session).</summary>
    public static SessionOptions Options(int threads) => new()
    {
        IntraOpNumThreads = threads,
        InterOpNumThreads = 1,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    };

    public IReadOnlyList<string> InputNames => _session.InputMetadata.Keys.ToList();

    /// <summary>Builds the feed for <paramref name="inputs"/> once, with each input's declared element type.</summary>
    public IReadOnlyList<NamedOnnxValue> Feed(BenchInputs inputs)
    {
        var feed = new List<NamedOnnxValue>();
        int[] dims = [inputs.Batch, inputs.Seq];
        foreach (var (name, meta) in _session.InputMetadata)
        {
            int[] values = name switch
            {
                "input_ids" => inputs.Ids,
                "attention_mask" => inputs.Mask,
                "token_type_ids" => new int[inputs.Ids.Length],
                _ => throw new InvalidOperationException($"model.onnx has an unexpected input '{name}'"),
            };
            feed.Add(meta.ElementType == typeof(long)
                ? NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(values.Select(v => (long)v).ToArray(), dims))
                : NamedOnnxValue.CreateFromTensor(name, new DenseTensor<int>(values, dims)));
        }
        return feed;
    }

    /// <summary>Runs the model and returns the first output (the logits) as a flat array.</summary>
    public float[] Run(IReadOnlyList<NamedOnnxValue> feed)
    {
        using var results = _session.Run(feed);
        return results.First().AsTensor<float>().ToArray();
    }

    /// <summary>Runs the model and returns every output by name: floats as float[], uint8 tensors as byte[].</summary>
    public IReadOnlyList<(string Name, Array Values)> RunAll(IReadOnlyList<NamedOnnxValue> feed)
    {
        using var results = _session.Run(feed);
        return results.Select(r => (r.Name, r.ElementType == TensorElementType.UInt8
            ? (Array)r.AsTensor<byte>().ToArray() : r.AsTensor<float>().ToArray())).ToList();
    }

    public void Dispose() => _session.Dispose();
}
