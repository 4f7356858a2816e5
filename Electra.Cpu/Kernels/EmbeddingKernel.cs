using System.Numerics.Tensors;

namespace Electra.Cpu.Kernels;

/// <summary>
/// ElectraEmbeddings' sum and LayerNorm in one parallel pass: each tile of tokens adds a token's word and token-type rows,
/// then normalises that with its position row as the residual (<see cref="LayerNormKernel.Row(float*, float*, float*, float*, float*, float, int)"/>),
/// while the row is in cache. The same float operations in the same order as the gathers, the add and the LayerNorm
/// one after the other (torch adds words and token types first, then positions), so the same bits, without their
/// four [tokens, E] intermediates and three hand-offs of the threads.
/// </summary>
public static unsafe class EmbeddingKernel
{
    const int RowsPerTile = 32;
    [ThreadStatic] static EmbeddingJob? t_job;

    /// <summary>
    /// output[i] = LayerNorm(words[ids[i]] + types[typeIds[i]], residual positions[positionIds[i]]) for every token i;
    /// tables are [rows, width] and every id must be inside its table (the caller checks).
    /// </summary>
    public static void Forward(float* words, float* types, float* positions, int* ids, int* typeIds, int* positionIds,
        int tokens, int width, float* gamma, float* beta, float eps, float* output, WorkerPool? pool)
    {
        var job = t_job ??= new EmbeddingJob();
        job.Words = words; job.Types = types; job.Positions = positions;
        job.Ids = ids; job.TypeIds = typeIds; job.PositionIds = positionIds;
        job.Tokens = tokens; job.Width = width; job.Gamma = gamma; job.Beta = beta; job.Eps = eps; job.Output = output;
        int tiles = (tokens + RowsPerTile - 1) / RowsPerTile;
        if (pool == null) for (int t = 0; t < tiles; t++) job.RunTile(t);
        else pool.Run(job, tiles);
    }

    sealed class EmbeddingJob : TileJob
    {
        public float* Words, Types, Positions, Gamma, Beta, Output;
        public int* Ids, TypeIds, PositionIds;
        public int Tokens, Width;
        public float Eps;

        public override void RunTile(int tile)
        {
            int width = Width, end = Math.Min(Tokens, (tile + 1) * RowsPerTile);
            for (int i = tile * RowsPerTile; i < end; i++)
            {
                float* row = Output + (long)i * width;
                TensorPrimitives.Add(new ReadOnlySpan<float>(Words + (long)Ids[i] * width, width),
                    new ReadOnlySpan<float>(Types + (long)TypeIds[i] * width, width), new Span<float>(row, width));
                LayerNormKernel.Row(row, Positions + (long)PositionIds[i] * width, row, Gamma, Beta, Eps, width);
            }
        }
    }
}
