using System.Net;
using System.Text.Json;
using Electra.Cpu;
using Electra.Server;
using Electra.Tests.Vulkan;
using static Electra.Tests.Server.HttpJson;

namespace Electra.Tests.Server;

/// <summary>
/// The server on the Vulkan backend (lavapipe in CI, under the Khronos validation layer): /embed and /predict give the
/// CPU server's answers, several requests merged into one forward pass, with no validation message.
/// </summary>
[Collection("Vulkan")]
public sealed class ServerVulkanTests(VulkanFixture fixture)
{
    /// <summary>
    /// |vulkan − cpu| ≤ Tolerance·(1 + |cpu|) for every number: the shaders sum in another order than the CPU kernels,
    /// so answers agree to float32 rounding accumulated over the layers, not bitwise (the tolerance of
    /// VulkanCpuEquivalenceProperties).
    /// </summary>
    private const double Tolerance = 1e-4;

    private static readonly string[] EmbedBodies =
    [
        """{"inputs": "w5 w6 w7"}""",
        """{"inputs": ["w5", "w9 w10 w11 w12", "w13 w14 w15 w16 w17 w18 w19 w20 w21"], "normalize": false}""",
        """{"inputs": "w22 w23", "prompt_name": "query"}""",
        """{"inputs": ["w30 w31 w32 w33 w34", "w40"]}""",
    ];

    private static readonly string[] PredictBodies =
    [
        """{"inputs": "w5 w9 w12"}""",
        """{"inputs": ["w5 w6", "w7 w8 w9"]}""",
        """{"inputs": [["w5 w6"], ["w7", "w8 w9"], ["w10 w11 w12 w13 w14 w15 w16 w17"]], "raw_scores": true}""",
        """{"inputs": "w20 w21 w22 w23 w24 w25 w26 w27 w28 w29 w30"}""",
    ];

    [VulkanFact]
    public async Task EmbedAndPredictOnVulkanGiveTheCpuServersAnswers()
    {
        using var cpu = new CpuBackend();
        await AssertSameAnswers(ServerModels.EmbedderOn(cpu), ServerModels.EmbedderOn(fixture.Backend), "/embed", EmbedBodies);
        await AssertSameAnswers(ServerModels.ClassifierOn(cpu), ServerModels.ClassifierOn(fixture.Backend), "/predict", PredictBodies);
        fixture.AssertNoValidationMessages();
    }

    private static async Task AssertSameAnswers(ServedModel onCpu, ServedModel onVulkan, string path, string[] bodies)
    {
        var expected = new JsonElement[bodies.Length];
        await using (var cpu = await RunningServer.StartAsync(onCpu))
            for (int i = 0; i < bodies.Length; i++)
            {
                var (status, body, _) = await Post(cpu.Client, path, bodies[i]);
                Assert.Equal(HttpStatusCode.OK, status);
                expected[i] = body;
            }

        await using var vulkan = await RunningServer.StartAsync(onVulkan);
        // All requests wait behind the closed gate, so one forward pass on the GPU runs the rows of all of them.
        vulkan.Server.Queue.Gate.Reset();
        var pending = bodies.Select(b => Post(vulkan.Client, path, b)).ToArray();
        for (int i = 0; i < 3000 && vulkan.Server.Queue.QueueSize < bodies.Length; i++) await Task.Delay(5);
        Assert.Equal(bodies.Length, vulkan.Server.Queue.QueueSize);
        vulkan.Server.Queue.Gate.Set();
        var answers = await Task.WhenAll(pending);
        Assert.Equal(1, vulkan.Server.Metrics.BatchCount);
        for (int i = 0; i < bodies.Length; i++)
        {
            Assert.Equal(HttpStatusCode.OK, answers[i].Status);
            Assert.Equal("gpu", answers[i].Response.Headers.GetValues("x-compute-type").Single());
            AssertClose(expected[i], answers[i].Body, $"{path} {bodies[i]}: answer");
        }
    }

    /// <summary>The same JSON shape, strings and labels, and numbers within <see cref="Tolerance"/>.</summary>
    private static void AssertClose(JsonElement cpu, JsonElement vulkan, string at)
    {
        Assert.True(cpu.ValueKind == vulkan.ValueKind, $"{at}: {vulkan.ValueKind} where the CPU answered {cpu.ValueKind}");
        switch (cpu.ValueKind)
        {
            case JsonValueKind.Array:
                Assert.True(cpu.GetArrayLength() == vulkan.GetArrayLength(), $"{at}: {vulkan.GetArrayLength()} items, the CPU {cpu.GetArrayLength()}");
                for (int i = 0; i < cpu.GetArrayLength(); i++) AssertClose(cpu[i], vulkan[i], $"{at}[{i}]");
                break;
            case JsonValueKind.Object:
                Assert.Equal(cpu.EnumerateObject().Select(p => p.Name), vulkan.EnumerateObject().Select(p => p.Name));
                foreach (var p in cpu.EnumerateObject()) AssertClose(p.Value, vulkan.GetProperty(p.Name), $"{at}.{p.Name}");
                break;
            case JsonValueKind.Number:
                double c = cpu.GetDouble(), v = vulkan.GetDouble();
                Assert.True(Math.Abs(c - v) <= Tolerance * (1 + Math.Abs(c)), $"{at}: Vulkan {v:R}, CPU {c:R} (|diff| {Math.Abs(c - v):E2})");
                break;
            default:
                Assert.Equal(cpu.ToString(), vulkan.ToString());
                break;
        }
    }
}
