namespace Electra.Models.Forward;

/// <summary>
/// The host-side scratch of one running forward: filled-in default inputs, the float attention mask, the packed
/// layout and packed inputs, and room to read outputs back before they are rearranged. Every buffer only grows, so
/// forwards of a repeated shape reuse them all. Not thread-safe: a session owns one; plain forwards borrow one
/// (see <see cref="ForwardBuffersCache"/>).
/// </summary>
internal sealed class ForwardBuffers
{
    private int[] _ints = [], _ids = [], _types = [], _positions = [];
    private float[] _mask = [], _embeds = [], _read = [], _tokens = [];

    public InputDefaults Defaults { get; } = new();
    public PackedLayout Layout { get; } = new();

    /// <summary>The attention mask as floats, <paramref name="mask"/>.Length values.</summary>
    public ReadOnlySpan<float> FloatMask(ReadOnlySpan<int> mask)
    {
        var result = Sized(ref _mask, mask.Length);
        for (int i = 0; i < mask.Length; i++) result[i] = mask[i];
        return result;
    }

    /// <summary>Room for packed ids, token types, positions and embeds.</summary>
    public Span<int> PackedIds(int length) => Sized(ref _ids, length);
    public Span<int> PackedTypes(int length) => Sized(ref _types, length);
    public Span<int> PackedPositions(int length) => Sized(ref _positions, length);
    public Span<float> PackedEmbeds(int length) => Sized(ref _embeds, length);

    /// <summary><paramref name="length"/> copies of <paramref name="value"/> (e.g. one read position per row).</summary>
    public ReadOnlySpan<int> Repeated(int value, int length)
    {
        var result = Sized(ref _ints, length);
        result.Fill(value);
        return result;
    }

    /// <summary>Room to read a device tensor back before it is rearranged (a packed output before its scatter).</summary>
    public Span<float> ReadBack(int length) => Sized(ref _read, length);

    /// <summary>Room for a per-token output at every position before it is split (question answering's two logits).</summary>
    public Span<float> Tokens(int length) => Sized(ref _tokens, length);

    private static Span<T> Sized<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new T[length];
        return buffer.AsSpan(0, length);
    }
}

/// <summary>
/// A spare <see cref="ForwardBuffers"/> that plain forwards borrow and give back, so that back-to-back forwards reuse
/// their scratch. Thread-safe: a forward that finds it taken (another thread's forward holds it) makes its own.
/// </summary>
internal sealed class ForwardBuffersCache
{
    /// <summary>
    /// The one spare of the process. It lives here rather than in the model so that a model stays an immutable value
    /// (a <c>with</c> copy shares no mutable state); the buffers know no model, so any model's forward can use them.
    /// </summary>
    public static ForwardBuffersCache Shared { get; } = new();

    private ForwardBuffers? _spare;

    public ForwardBuffers Borrow() => Interlocked.Exchange(ref _spare, null) ?? new ForwardBuffers();

    public void Return(ForwardBuffers buffers) => Interlocked.CompareExchange(ref _spare, buffers, null);
}
