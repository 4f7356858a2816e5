using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Core.Tensors;
using Electra.Vulkan.Tensors;
using PC = Electra.Vulkan.Kernels.PushConstants;

namespace Electra.Vulkan;

/// <summary>The embeddings as one dispatch (embed.comp) instead of three gathers, an add and a LayerNorm.</summary>
internal sealed partial class VulkanForwardPass
{
    public DeviceTensor Embed(EmbeddingInputs inputs)
    {
        var words = Float(inputs.WordTable, "Embed", "word table");
        var types = Float(inputs.TokenTypeTable, "Embed", "token type table");
        var positions = Float(inputs.PositionTable, "Embed", "position table");
        var wordIds = Int(inputs.InputIds, "Embed", "input ids");
        var typeIds = Int(inputs.TokenTypeIds, "Embed", "token type ids");
        var positionIds = Int(inputs.PositionIds, "Embed", "position ids");
        var gamma = Single(inputs.Gamma, "Embed", "gamma");
        var beta = Single(inputs.Beta, "Embed", "beta");
        if (words.Rank != 2)
            throw new InputException($"Embed: the word table must be [rows, E], got {TensorShape.Format(words.Shape)}");
        int width = words.Shape[1];
        CheckTable(types, width, "token type table");
        CheckTable(positions, width, "position table");
        SameShape(wordIds, typeIds, "Embed", "input ids", "token type ids");
        SameShape(wordIds, positionIds, "Embed", "input ids", "position ids");
        if (gamma.ElementCount != width || beta.ElementCount != width)
            throw new InputException($"Embed: gamma {TensorShape.Format(gamma.Shape)} and beta {TensorShape.Format(beta.Shape)} must hold {width} values (the tables' width)");

        var spec = _backend.Catalog.Embed(width);
        if (spec == null || words.Storage.IsChunked || types.Storage.IsChunked || positions.Storage.IsChunked)
            return EmbeddingsReference.Compose(this, inputs);   // each Gather handles a table split across buffers

        CheckIds(wordIds, words, "input id");
        CheckIds(typeIds, types, "token type id");
        CheckIds(positionIds, positions, "position id");
        bool half = _backend.Context.Float16Activations;
        var output = NewTensor([.. wordIds.Shape, width], DeviceDType.Float32, half: half);
        long rows = wordIds.ElementCount;
        if (rows == 0) return output;
        // The tables and the LayerNorm parameters are read as float32 (weights are; a float16 activation passed here is converted).
        (words, types, positions, gamma, beta) = (As(words, false), As(types, false), As(positions, false), As(gamma, false), As(beta, false));
        var grid = _backend.Catalog.Grid(rows);
        _recorder.Dispatch(Kernel(spec, half),
            [words.Storage.Single, wordIds.Storage.Single, types.Storage.Single, typeIds.Storage.Single, positions.Storage.Single,
             positionIds.Storage.Single, gamma.Storage.Single, beta.Storage.Single, output.Storage.Single],
            new PC.Embed((uint)rows, (uint)width, inputs.Eps), grid.X, grid.Y);
        ReleaseConversions();
        return output;
    }

    private static void CheckTable(VulkanTensor table, int width, string name)
    {
        if (table.Rank != 2 || table.Shape[1] != width)
            throw new InputException($"Embed: the {name} must be [rows, {width}] like the word table, got {TensorShape.Format(table.Shape)}");
    }

    private static void CheckIds(VulkanTensor ids, VulkanTensor table, string name)
    {
        var host = ids.HostInts!;
        int rows = table.Shape[0];
        for (int p = 0; p < host.Length; p++)
            if ((uint)host[p] >= (uint)rows)
                throw new InputException($"Embed: {name} {host[p]} at position {p} is outside the table's {rows} rows");
    }
}
