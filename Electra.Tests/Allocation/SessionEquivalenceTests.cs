using Electra.Core.Tensors;
using Electra.Models;
using Electra.Tests.Support;

namespace Electra.Tests.Allocation;

/// <summary>
/// A <see cref="ForwardSession"/> gives exactly what <see cref="ElectraPretrained.Forward(ModelInputs, ForwardOptions?, CancellationToken)"/> gives (which the fixture
/// tests hold to transformers' references), for every head, on a repeated shape, after a change of shape and back.
/// </summary>
public class SessionEquivalenceTests
{
    public static TheoryData<string, string, bool> Cases()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var backend in TestBackends.Names)
            foreach (var name in SessionInputs.FixtureNames())
            {
                data.Add(name, backend, false);
                if (SessionInputs.HasPadding(FixtureCase.Load(name).Inputs())) data.Add(name, backend, true);
            }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SessionOutputsEqualForwardOutputs(string caseName, string backendName, bool realTokensOnly)
    {
        var fixture = FixtureCase.Load(caseName);
        using var backend = TestBackends.Create(backendName);
        var model = ElectraPretrained.Load(fixture.Folder, backend);
        var options = realTokensOnly ? ForwardOptions.RealTokensOnly : ForwardOptions.Everything;
        var inputs = fixture.Inputs();
        var doubled = SessionInputs.DoubledBatch(inputs);
        var expected = model.Forward(inputs, options);
        var expectedDoubled = model.Forward(doubled, options);

        using var session = model.CreateSession();
        var first = SessionInputs.Copy(session.Forward(inputs, options));
        var repeated = session.Forward(inputs, options);
        AssertSame($"{caseName} first", expected, first);
        AssertSame($"{caseName} repeated", expected, repeated.Tensors);
        AssertSame($"{caseName} doubled batch", expectedDoubled, session.Forward(doubled, options).Tensors);
        AssertSame($"{caseName} back to the first shape", expected, session.Forward(inputs, options).Tensors);
        TestBackends.AssertClean(backend);
    }

    [Fact]
    public void SessionMatchesTransformersReference()
    {
        var fixture = FixtureCase.Load("pretraining_loss_silu");
        using var backend = TestBackends.Create("cpu");
        var model = ElectraPretrained.Load(fixture.Folder, backend);
        using var session = model.CreateSession();
        session.Forward(fixture.Inputs(), ForwardOptions.Everything);
        var output = session.Forward(fixture.Inputs(), ForwardOptions.Everything);
        foreach (var (name, reference) in fixture.Reference())
            TensorAssert.Close($"session {name}", reference, output[name], fixture.Abs, fixture.Rel);
    }

    [Fact]
    public void SessionSurvivesFailedForwardsAndRefusesUseAfterDispose()
    {
        var fixture = FixtureCase.Load("pretraining_gelu");
        using var backend = TestBackends.Create("cpu");
        var model = ElectraPretrained.Load(fixture.Folder, backend);
        var inputs = fixture.Inputs();
        var expected = model.Forward(inputs);
        using var session = model.CreateSession();
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => session.Forward(inputs, cancellationToken: cancel.Token));
        var badIds = new HostIntTensor(inputs.InputIds!.Shape, Enumerable.Repeat(model.Config.VocabSize, (int)inputs.InputIds.ElementCount).ToArray());
        var e = Assert.Throws<Electra.Core.Errors.InputException>(() => session.Forward(inputs with { InputIds = badIds }));
        Assert.Contains("vocabulary", e.Message);
        AssertSame("after failures", expected, session.Forward(inputs).Tensors);
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => session.Forward(inputs));
    }

    [Fact]
    public void AForwardThatOverlapsAnotherOnOneSessionIsRefused()
    {
        var fixture = FixtureCase.Load("pretraining_gelu");
        using var backend = new ReentrantBackend(TestBackends.Create("cpu"));
        var model = ElectraPretrained.Load(fixture.Folder, backend);
        using var session = model.CreateSession();
        Exception? overlapping = null;
        // The backend calls back in the middle of the forward, as a second thread using the session would.
        backend.DuringForward = () => overlapping = Record.Exception(() => session.Forward(fixture.Inputs()));
        var output = session.Forward(fixture.Inputs());
        Assert.IsType<InvalidOperationException>(overlapping);
        backend.DuringForward = null;
        AssertSame("after the refused overlap", model.Forward(fixture.Inputs()), output.Tensors);
    }

    /// <summary>Runs <see cref="DuringForward"/> once at the first upload of a pass.</summary>
    private sealed class ReentrantBackend(Electra.Core.Backend.IBackend inner) : Electra.Core.Backend.DelegatingBackend(inner)
    {
        public Action? DuringForward { get; set; }

        public override Electra.Core.Backend.IForwardPass BeginPass() => new Pass(this, Inner.BeginPass());

        private sealed class Pass(ReentrantBackend owner, Electra.Core.Backend.IForwardPass inner)
            : Electra.Core.Backend.DelegatingForwardPass(owner, inner)
        {
            public override Electra.Core.Backend.DeviceTensor UploadInt(ReadOnlySpan<int> data, ReadOnlySpan<int> shape)
            {
                var callback = owner.DuringForward;
                owner.DuringForward = null;
                callback?.Invoke();
                return base.UploadInt(data, shape);
            }
        }
    }

    private static void AssertSame(string what, ModelOutput expected, IReadOnlyDictionary<string, HostTensor> actual)
    {
        Assert.Equal(expected.Tensors.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in expected.Tensors)
        {
            Assert.Equal(tensor.Shape.ToArray(), actual[name].Shape.ToArray());
            // Same arithmetic in the same order: bit for bit, not merely close.
            Assert.True(tensor.Span.SequenceEqual(actual[name].Span), $"{what}: output '{name}' differs from Forward's");
        }
    }
}
