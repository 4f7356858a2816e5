namespace Electra.Vulkan.Spirv;

/// <summary>
/// Turns a SPV_NV_cooperative_matrix module into a SPV_KHR_cooperative_matrix one, so one GLSL source (written with
/// GL_NV_cooperative_matrix, which Debian's glslc compiles and spirv-val validates) serves NVIDIA's VK_NV extension and
/// the cross-vendor VK_KHR one (AMD RDNA3, Intel Xe2, NVIDIA).
/// <para>
/// It runs when a pipeline is created, not at build time: the rewrite is a linear pass over a few thousand words, the
/// build then needs no tool of its own, one embedded module serves both extensions, and the tests exercise exactly the
/// code a device gets. The output cannot be validated here (Debian's spirv-val predates the KHR extension).
/// </para>
/// What changes (NV spec → KHR spec):
/// <list type="bullet">
/// <item><c>OpTypeCooperativeMatrixNV %component %scope %rows %cols</c> → <c>OpTypeCooperativeMatrixKHR %component %scope
/// %rows %cols %use</c>, the type's id kept; its Use (MatrixA / MatrixB / MatrixAccumulator) is how the module's
/// <c>OpCooperativeMatrixMulAddNV</c> instructions consume values of the type (A, B, or C and Result). A type consumed in
/// two roles cannot be given one Use (KHR makes A and B distinct types), and is refused; a type no MulAdd consumes
/// becomes an accumulator, the only Use that allows every load, store and arithmetic.</item>
/// <item><c>OpCooperativeMatrixLoadNV %type %r %pointer %stride %columnMajor [memory operands]</c> →
/// <c>OpCooperativeMatrixLoadKHR %type %r %pointer %layout %stride [memory operands]</c>, and the store likewise:
/// the boolean constant becomes a 32-bit RowMajor (0) / ColumnMajor (1) constant, moved before the stride.</item>
/// <item><c>OpCooperativeMatrixMulAddNV %type %r %a %b %c</c> → <c>OpCooperativeMatrixMulAddKHR ... %c operands</c>,
/// whose mask marks A, B, C and Result signed where their component type is a signed integer (NV took signedness from
/// the type; KHR from this mask).</item>
/// <item><c>OpCooperativeMatrixLengthNV</c> → <c>OpCooperativeMatrixLengthKHR</c> (same operands); capability
/// CooperativeMatrixNV → CooperativeMatrixKHR; extension SPV_NV_cooperative_matrix → SPV_KHR_cooperative_matrix.</item>
/// </list>
/// The constants the KHR form needs (0, 1, 2 of the scope operand's integer type) get new ids just before the first
/// matrix type, and the header's bound grows to cover them.
/// </summary>
internal static class CooperativeMatrixRewrite
{
    /// <summary>The KHR module for an NV module; a module without NV cooperative matrices comes back unchanged.</summary>
    public static byte[] ToKhr(ReadOnlySpan<byte> nvModule)
    {
        var module = SpirvModule.Parse(nvModule);
        Rewrite(module);
        return module.ToBytes();
    }

    public static void Rewrite(SpirvModule module)
    {
        var list = module.Instructions;
        int firstType = list.FindIndex(i => i.Opcode == SpirvOp.TypeCooperativeMatrixNV);
        if (firstType < 0) return;

        Expect(list[firstType], 6, firstType);
        var (typeOf, definitions) = Index(list);
        var uses = InferUses(list, typeOf);

        // The integer type of the first matrix type's scope constant carries the new Use and Layout constants.
        uint scope = list[firstType].Words[3];
        if (!typeOf.TryGetValue(scope, out uint intType) ||
            !definitions.TryGetValue(intType, out var intDef) || intDef.Opcode != SpirvOp.TypeInt || intDef.Words.Length < 4 || intDef.Words[2] != 32)
            throw new SpirvFormatException($"SPIR-V: the scope %{scope} of cooperative matrix type %{list[firstType].Words[1]} is not a 32-bit integer constant");
        var constant = new uint[3];
        var added = new List<SpirvInstruction>();
        for (uint value = 0; value < 3; value++)
        {
            constant[value] = module.NewId();
            added.Add(SpirvInstruction.Create(SpirvOp.Constant, intType, constant[value], value));
        }

        for (int i = 0; i < list.Count; i++)
        {
            var ins = list[i];
            var w = ins.Words;
            switch (ins.Opcode)
            {
                case SpirvOp.Capability when w[1] == SpirvOp.CapabilityCooperativeMatrixNV:
                    list[i] = SpirvInstruction.Create(SpirvOp.Capability, SpirvOp.CapabilityCooperativeMatrixKHR);
                    break;
                case SpirvOp.Extension when SpirvModule.DecodeString(ins.Operands) == SpirvOp.ExtensionNV:
                    list[i] = SpirvInstruction.Create(SpirvOp.Extension, SpirvModule.EncodeString(SpirvOp.ExtensionKHR));
                    break;
                case SpirvOp.TypeCooperativeMatrixNV:
                    Expect(ins, 6, i);
                    list[i] = SpirvInstruction.Create(SpirvOp.TypeCooperativeMatrixKHR, w[1], w[2], w[3], w[4], w[5],
                        constant[uses.GetValueOrDefault(w[1], SpirvOp.UseMatrixAccumulator)]);
                    break;
                case SpirvOp.CooperativeMatrixLoadNV:
                    Expect(ins, 6, i);
                    list[i] = SpirvInstruction.Create(SpirvOp.CooperativeMatrixLoadKHR,
                        [w[1], w[2], w[3], constant[Layout(w[5], definitions, i)], w[4], .. w[6..]]);
                    break;
                case SpirvOp.CooperativeMatrixStoreNV:
                    Expect(ins, 5, i);
                    list[i] = SpirvInstruction.Create(SpirvOp.CooperativeMatrixStoreKHR,
                        [w[1], w[2], constant[Layout(w[4], definitions, i)], w[3], .. w[5..]]);
                    break;
                case SpirvOp.CooperativeMatrixMulAddNV:
                    Expect(ins, 6, i);
                    uint mask = Signed(w[3], SpirvOp.MatrixASigned) | Signed(w[4], SpirvOp.MatrixBSigned) |
                                Signed(w[5], SpirvOp.MatrixCSigned) | Signed(w[2], SpirvOp.MatrixResultSigned);
                    list[i] = SpirvInstruction.Create(SpirvOp.CooperativeMatrixMulAddKHR, w[1], w[2], w[3], w[4], w[5], mask);
                    break;
                case SpirvOp.CooperativeMatrixLengthNV:
                    Expect(ins, 4, i);
                    list[i] = SpirvInstruction.Create(SpirvOp.CooperativeMatrixLengthKHR, w[1], w[2], w[3]);
                    break;
            }
        }
        list.InsertRange(firstType, added);

        // Whether a matrix value's components are signed integers (KHR's operands mask says so explicitly).
        uint Signed(uint value, uint bit)
        {
            if (!typeOf.TryGetValue(value, out uint matrixType) || !definitions.TryGetValue(matrixType, out var matrix) ||
                matrix.Words.Length < 3 || !definitions.TryGetValue(matrix.Words[2], out var component))
                return 0;
            return component.Opcode == SpirvOp.TypeInt && component.Words.Length > 3 && component.Words[3] == 1 ? bit : 0;
        }
    }

    /// <summary>For every value id its type id, and for every result id its defining instruction.</summary>
    private static (Dictionary<uint, uint> TypeOf, Dictionary<uint, SpirvInstruction> Definitions) Index(List<SpirvInstruction> list)
    {
        var types = new HashSet<uint>();
        var typeOf = new Dictionary<uint, uint>();
        var definitions = new Dictionary<uint, SpirvInstruction>();
        foreach (var ins in list)
        {
            if (SpirvOp.DeclaresType(ins.Opcode) && ins.Words.Length > 1)
            {
                types.Add(ins.Words[1]);
                definitions[ins.Words[1]] = ins;
            }
            // A value instruction's first operand is its result type, its second its result id.
            else if (!SpirvOp.TargetsAnId(ins.Opcode) && ins.Words.Length > 2 && types.Contains(ins.Words[1]))
            {
                typeOf[ins.Words[2]] = ins.Words[1];
                definitions[ins.Words[2]] = ins;
            }
        }
        return (typeOf, definitions);
    }

    /// <summary>The Use of every matrix type that some MulAdd consumes.</summary>
    private static Dictionary<uint, uint> InferUses(List<SpirvInstruction> list, Dictionary<uint, uint> typeOf)
    {
        var uses = new Dictionary<uint, uint>();
        for (int i = 0; i < list.Count; i++)
        {
            var ins = list[i];
            if (ins.Opcode != SpirvOp.CooperativeMatrixMulAddNV) continue;
            Expect(ins, 6, i);
            var w = ins.Words;
            Assign(w[1], SpirvOp.UseMatrixAccumulator, "Result");
            Assign(TypeOf(w[3]), SpirvOp.UseMatrixA, "A");
            Assign(TypeOf(w[4]), SpirvOp.UseMatrixB, "B");
            Assign(TypeOf(w[5]), SpirvOp.UseMatrixAccumulator, "C");

            uint TypeOf(uint value) => typeOf.TryGetValue(value, out uint t) ? t
                : throw new SpirvFormatException($"SPIR-V: operand %{value} of the OpCooperativeMatrixMulAddNV at instruction {i} has no defining instruction with a type");

            void Assign(uint type, uint use, string role)
            {
                if (uses.TryGetValue(type, out uint earlier) && earlier != use)
                    throw new SpirvFormatException(
                        $"SPIR-V: cooperative matrix type %{type} is consumed as {UseName(earlier)} and as {UseName(use)} (operand {role} of the " +
                        $"OpCooperativeMatrixMulAddNV at instruction {i}); KHR needs one type per use: declare A, B and the accumulator with distinct sizes or size constants");
                uses[type] = use;
            }
        }
        return uses;
    }

    private static string UseName(uint use) => use switch
    {
        SpirvOp.UseMatrixA => "MatrixA",
        SpirvOp.UseMatrixB => "MatrixB",
        _ => "MatrixAccumulator",
    };

    /// <summary>RowMajor or ColumnMajor for NV's boolean "column major" constant.</summary>
    private static uint Layout(uint columnMajor, Dictionary<uint, SpirvInstruction> definitions, int at) =>
        definitions.TryGetValue(columnMajor, out var def) ? def.Opcode switch
        {
            SpirvOp.ConstantTrue => SpirvOp.LayoutColumnMajor,
            SpirvOp.ConstantFalse => SpirvOp.LayoutRowMajor,
            _ => throw new SpirvFormatException($"SPIR-V: the column-major operand %{columnMajor} at instruction {at} is not OpConstantTrue/OpConstantFalse"),
        } : throw new SpirvFormatException($"SPIR-V: the column-major operand %{columnMajor} at instruction {at} is not defined");

    private static void Expect(SpirvInstruction ins, int minWords, int at)
    {
        if (ins.Words.Length < minWords)
            throw new SpirvFormatException($"SPIR-V: opcode {ins.Opcode} at instruction {at} has {ins.Words.Length} words; it needs at least {minWords}");
    }
}
