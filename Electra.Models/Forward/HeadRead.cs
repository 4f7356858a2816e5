namespace Electra.Models.Forward;

/// <summary>
/// What the packed planner asks a head: which position of each row its output comes from. Per-token heads read every
/// real position (<see cref="PerToken"/>); per-row heads read one (<see cref="At"/>); a head that pools every position,
/// padding included, cannot skip padding at all (<see cref="NotPackable"/>).
/// </summary>
internal readonly record struct HeadRead(bool Packable, int? Position)
{
    public static HeadRead PerToken => new(true, null);
    public static HeadRead NotPackable => new(false, null);
    public static HeadRead At(int position) => new(true, position);
}
