using System.Text;

namespace Electra.Tests.Support;

/// <summary>
/// The bytes of an ONNX model of a single node (opset 13, ONNX's own domain) with float inputs and outputs of given
/// element types, written field by field in protobuf's wire format: enough for ONNX Runtime to run one operator on
/// values a test chooses, without python or an .onnx file on disk.
/// </summary>
public static class OnnxSingleNode
{
    /// <summary>ONNX TensorProto element types used here.</summary>
    public const int Float = 1, UInt8 = 2;

    /// <param name="opType">the operator, e.g. "DynamicQuantizeLinear".</param>
    /// <param name="inputs">graph inputs (name, element type), each of rank 1 with a symbolic length.</param>
    /// <param name="outputs">graph outputs (name, element type), shapes left to ONNX Runtime.</param>
    public static byte[] Model(string opType, IReadOnlyList<(string Name, int ElementType)> inputs,
        IReadOnlyList<(string Name, int ElementType)> outputs)
    {
        var node = new List<byte>();
        foreach (var (name, _) in inputs) String(node, 1, name);
        foreach (var (name, _) in outputs) String(node, 2, name);
        String(node, 3, "node");
        String(node, 4, opType);

        var graph = new List<byte>();
        Message(graph, 1, node);
        String(graph, 2, "graph");
        foreach (var (name, type) in inputs) Message(graph, 11, ValueInfo(name, type, shaped: true));
        foreach (var (name, type) in outputs) Message(graph, 12, ValueInfo(name, type, shaped: false));

        var opset = new List<byte>();
        String(opset, 1, "");
        Varint(opset, 2, 13);

        var model = new List<byte>();
        Varint(model, 1, 8); // ir_version
        Message(model, 7, graph);
        Message(model, 8, opset);
        return model.ToArray();
    }

    static List<byte> ValueInfo(string name, int elementType, bool shaped)
    {
        var tensor = new List<byte>();
        Varint(tensor, 1, elementType);
        if (shaped)
        {
            var dim = new List<byte>();
            String(dim, 2, "n"); // dim_param
            var shape = new List<byte>();
            Message(shape, 1, dim);
            Message(tensor, 2, shape);
        }
        var type = new List<byte>();
        Message(type, 1, tensor);
        var info = new List<byte>();
        String(info, 1, name);
        Message(info, 2, type);
        return info;
    }

    static void Tag(List<byte> to, int field, int wireType) => Raw(to, (ulong)(field << 3 | wireType));

    static void Raw(List<byte> to, ulong value)
    {
        for (; value >= 0x80; value >>= 7) to.Add((byte)(value | 0x80));
        to.Add((byte)value);
    }

    static void Varint(List<byte> to, int field, long value) { Tag(to, field, 0); Raw(to, (ulong)value); }

    static void String(List<byte> to, int field, string value) => Bytes(to, field, Encoding.UTF8.GetBytes(value));

    static void Message(List<byte> to, int field, List<byte> message) => Bytes(to, field, message.ToArray());

    static void Bytes(List<byte> to, int field, byte[] value)
    {
        Tag(to, field, 2);
        Raw(to, (ulong)value.Length);
        to.AddRange(value);
    }
}
