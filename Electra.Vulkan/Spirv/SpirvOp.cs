namespace Electra.Vulkan.Spirv;

/// <summary>The opcodes and enumerants the cooperative-matrix rewrite reads or writes (SPIR-V spec, unified, and the
/// SPV_NV_cooperative_matrix / SPV_KHR_cooperative_matrix extension specs).</summary>
internal static class SpirvOp
{
    public const ushort Name = 5;
    public const ushort MemberName = 6;
    public const ushort Extension = 10;
    public const ushort TypeInt = 21;
    public const ushort TypeForwardPointer = 39;
    public const ushort ConstantTrue = 41;
    public const ushort ConstantFalse = 42;
    public const ushort Constant = 43;
    public const ushort Decorate = 71;
    public const ushort MemberDecorate = 72;
    public const ushort DecorationGroup = 73;
    public const ushort GroupDecorate = 74;
    public const ushort GroupMemberDecorate = 75;
    public const ushort Capability = 17;
    public const ushort DecorateId = 332;
    public const ushort DecorateString = 5632;
    public const ushort MemberDecorateString = 5633;

    // SPV_KHR_cooperative_matrix
    public const ushort TypeCooperativeMatrixKHR = 4456;
    public const ushort CooperativeMatrixLoadKHR = 4457;
    public const ushort CooperativeMatrixStoreKHR = 4458;
    public const ushort CooperativeMatrixMulAddKHR = 4459;
    public const ushort CooperativeMatrixLengthKHR = 4460;

    // SPV_NV_cooperative_matrix
    public const ushort TypeCooperativeMatrixNV = 5358;
    public const ushort CooperativeMatrixLoadNV = 5359;
    public const ushort CooperativeMatrixStoreNV = 5360;
    public const ushort CooperativeMatrixMulAddNV = 5361;
    public const ushort CooperativeMatrixLengthNV = 5362;

    public const uint CapabilityCooperativeMatrixNV = 5357;
    public const uint CapabilityCooperativeMatrixKHR = 6022;
    public const string ExtensionNV = "SPV_NV_cooperative_matrix";
    public const string ExtensionKHR = "SPV_KHR_cooperative_matrix";

    /// <summary>Cooperative Matrix Use (KHR).</summary>
    public const uint UseMatrixA = 0, UseMatrixB = 1, UseMatrixAccumulator = 2;

    /// <summary>Cooperative Matrix Layout (KHR).</summary>
    public const uint LayoutRowMajor = 0, LayoutColumnMajor = 1;

    /// <summary>Cooperative Matrix Operands (KHR): which matrices have signed integer components.</summary>
    public const uint MatrixASigned = 0x1, MatrixBSigned = 0x2, MatrixCSigned = 0x4, MatrixResultSigned = 0x8;

    /// <summary>Type declarations: OpTypeVoid (19) to OpTypeForwardPointer (39), and the extension types with a result id.</summary>
    public static bool DeclaresType(ushort opcode) =>
        opcode is >= 19 and <= 38 or 322 or 327 or 4472 or 5341 or TypeCooperativeMatrixNV or TypeCooperativeMatrixKHR;

    /// <summary>Debug and annotation instructions whose first operand is a target (possibly a type), not a result type.</summary>
    public static bool TargetsAnId(ushort opcode) =>
        opcode is Name or MemberName or Decorate or MemberDecorate or DecorationGroup or GroupDecorate or GroupMemberDecorate
            or DecorateId or DecorateString or MemberDecorateString or TypeForwardPointer;
}
