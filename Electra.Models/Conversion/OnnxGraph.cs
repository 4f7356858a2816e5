using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Electra.Core.Errors;
using Electra.Core.Tensors;

namespace Electra.Models.Conversion;

/// <summary>An ONNX graph node: operator and the names of its inputs and outputs.</summary>
internal sealed record OnnxNode(string OpType, ImmutableArray<string> Inputs, ImmutableArray<string> Outputs);

/// <summary>
/// The parts of an ONNX model (onnx.proto: ModelProto.graph → GraphProto.node, GraphProto.initializer) a weight
/// converter needs: the float32 initializers by name and the nodes. Other initializer types are skipped; weights kept
/// in external files are refused.
/// </summary>
internal sealed record OnnxGraph(ImmutableDictionary<string, HostTensor> Initializers, ImmutableArray<OnnxNode> Nodes)
{
    // onnx.proto field numbers.
    private const int ModelGraph = 7, GraphNode = 1, GraphInitializer = 5;
    private const int NodeInput = 1, NodeOutput = 2, NodeOpType = 4;
    private const int TensorDims = 1, TensorDataType = 2, TensorFloatData = 4, TensorName = 8, TensorRawData = 9, TensorDataLocation = 14;
    private const int OnnxFloat = 1;

    /// <exception cref="CheckpointFormatException">the bytes are not an ONNX model we can read (names the offset or tensor).</exception>
    public static OnnxGraph Parse(byte[] data, string source)
    {
        var graphs = ProtobufReader.Fields(data, 0, data.Length, source).Where(f => f.Number == ModelGraph).ToList();
        if (graphs.Count != 1 || graphs[0].WireType != ProtobufField.LengthDelimited)
            throw new CheckpointFormatException(source, $"an ONNX model has one graph, found {graphs.Count}");
        var graph = graphs[0];
        var initializers = ImmutableDictionary.CreateBuilder<string, HostTensor>(StringComparer.Ordinal);
        var nodes = ImmutableArray.CreateBuilder<OnnxNode>();
        foreach (var f in ProtobufReader.Fields(data, graph.Start, graph.Start + graph.Length, source))
        {
            if (f.WireType != ProtobufField.LengthDelimited) continue;
            if (f.Number == GraphNode) nodes.Add(Node(data, f, source));
            else if (f.Number == GraphInitializer && Tensor(data, f, source) is var (name, tensor) && tensor is not null)
                initializers[name] = tensor;
        }
        return new OnnxGraph(initializers.ToImmutable(), nodes.ToImmutable());
    }

    private static OnnxNode Node(byte[] data, ProtobufField node, string source)
    {
        var fields = ProtobufReader.Fields(data, node.Start, node.Start + node.Length, source);
        string Str(ProtobufField f) => ProtobufReader.String(data, f);
        return new OnnxNode(
            fields.Where(f => f.Number == NodeOpType).Select(Str).LastOrDefault() ?? "",
            fields.Where(f => f.Number == NodeInput).Select(Str).ToImmutableArray(),
            fields.Where(f => f.Number == NodeOutput).Select(Str).ToImmutableArray());
    }

    /// <summary>A float32 initializer with its name; a null tensor for other element types.</summary>
    private static (string Name, HostTensor? Tensor) Tensor(byte[] data, ProtobufField tensor, string source)
    {
        var fields = ProtobufReader.Fields(data, tensor.Start, tensor.Start + tensor.Length, source);
        string name = fields.Where(f => f.Number == TensorName).Select(f => ProtobufReader.String(data, f)).LastOrDefault() ?? "";
        long type = fields.Where(f => f.Number == TensorDataType).Select(f => (long)f.Value).LastOrDefault();
        if (type != OnnxFloat) return (name, null);
        if (fields.Any(f => f.Number == TensorDataLocation && f.Value == 1))
            throw new CheckpointFormatException(source, $"initializer '{name}' keeps its data in an external file, which is not supported");
        var dims = fields.Where(f => f.Number == TensorDims).SelectMany(f => ProtobufReader.Varints(data, f, source)).ToArray();
        if (dims.Any(d => d < 0 || d > int.MaxValue)) throw new CheckpointFormatException(source, $"initializer '{name}' has a bad dimension");
        long count = dims.Aggregate(1L, (a, d) => checked(a * d));
        var values = new float[count];
        var raw = fields.Where(f => f.Number == TensorRawData).ToList();
        if (raw.Count > 0)
        {
            if (raw[^1].Length != count * 4)
                throw new CheckpointFormatException(source, $"initializer '{name}' has {raw[^1].Length} bytes of data for {count} floats");
            // ONNX stores raw data little-endian, as .NET reads it on every platform it runs on here.
            MemoryMarshal.Cast<byte, float>(data.AsSpan(raw[^1].Start, raw[^1].Length)).CopyTo(values);
        }
        else
        {
            var packed = fields.Where(f => f.Number == TensorFloatData).ToList();
            int at = 0;
            foreach (var f in packed)
            {
                if (f.WireType == ProtobufField.Fixed32)
                {
                    if (at >= count) throw new CheckpointFormatException(source, $"initializer '{name}' has more values than its shape");
                    values[at++] = BitConverter.UInt32BitsToSingle((uint)f.Value);
                }
                else
                {
                    if (f.Length % 4 != 0 || at + f.Length / 4 > count)
                        throw new CheckpointFormatException(source, $"initializer '{name}' has more values than its shape");
                    MemoryMarshal.Cast<byte, float>(data.AsSpan(f.Start, f.Length)).CopyTo(values.AsSpan(at));
                    at += f.Length / 4;
                }
            }
            if (at != count) throw new CheckpointFormatException(source, $"initializer '{name}' has {at} values for a shape of {count}");
        }
        return (name, new HostTensor(dims.Select(d => (int)d).ToArray(), values));
    }
}
