using Electra.Core.Backend;

namespace Electra.Models.Forward;

/// <summary>Cached keys and values of one decoder layer, [Rows, S_past, H] each.</summary>
public sealed record LayerCache(DeviceTensor Keys, DeviceTensor Values);
