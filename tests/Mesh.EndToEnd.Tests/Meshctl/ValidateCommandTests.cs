using System.Diagnostics;
using Mesh.Meshctl.Commands;

namespace Mesh.EndToEnd.Tests.Meshctl;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("meshctl-validate-").FullName;

    [Fact]
    public void Run_InvalidWeight_PrintsFileResourceFieldAndReasonAndFails()
    {
        File.WriteAllText(Path.Combine(_dir, "vs.yaml"), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: reviews, subset: v1}
                  weight: 180
            """);
        var output = new StringWriter();

        var exit = ValidateCommand.Run([_dir], output);

        Assert.Equal(1, exit);
        Assert.Contains("vs.yaml:1:1: VirtualService default/reviews: spec.http[0].route[0].weight:", output.ToString());
    }

    [Fact]
    public void Run_ValidFileAndMissingPath_ReportsTheMissingOne()
    {
        File.WriteAllText(Path.Combine(_dir, "dr.yaml"), """
            apiVersion: networking.istio.io/v1beta1
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
            """);
        var output = new StringWriter();

        var exit = ValidateCommand.Run([Path.Combine(_dir, "dr.yaml"), Path.Combine(_dir, "absent.yaml")], output);

        Assert.Equal(1, exit);
        Assert.Contains("absent.yaml: no such file or folder", output.ToString());
        Assert.Contains("1 resources valid", output.ToString());
    }

    [Fact]
    public void Run_FieldWithoutEffect_WarnsInAnalyzerStyleAndFailsOnlyWithStrict()
    {
        File.WriteAllText(Path.Combine(_dir, "dr.yaml"), """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
              trafficPolicy:
                proxyProtocol:
                  version: V1
            """);
        var output = new StringWriter();
        var strictOutput = new StringWriter();

        var exit = ValidateCommand.Run([_dir], output);
        var strictExit = ValidateCommand.Run([_dir], strictOutput, strict: true);

        Assert.Equal(0, exit);
        Assert.Equal(1, strictExit);
        Assert.Contains($"Warning [MESH0001] (DestinationRule default/reviews {Path.Combine(_dir, "dr.yaml")}:8) spec.trafficPolicy.proxyProtocol: has no effect in this mesh:",
            output.ToString());
        Assert.Contains("1 warnings; 1 resources valid", strictOutput.ToString());
    }

    [Fact]
    public void Run_SubsetNoRuleDefinesAcrossFiles_IsAnAnalysisErrorAndFails()
    {
        File.WriteAllText(Path.Combine(_dir, "se.yaml"), """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: reviews }
            spec:
              hosts: [reviews.default.svc.cluster.local]
              ports: [{ number: 9080, name: http, protocol: HTTP }]
              resolution: STATIC
              endpoints: [{ address: 10.0.0.1 }]
            """);
        File.WriteAllText(Path.Combine(_dir, "vs.yaml"), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: reviews }
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: { host: reviews, subset: v1 }
            """);
        var output = new StringWriter();

        var exit = ValidateCommand.Run([_dir], output);

        Assert.Equal(1, exit);
        Assert.Contains("Error [IST0101] (VirtualService default/reviews " + Path.Combine(_dir, "vs.yaml") + ":8) spec.http[0].route[0].destination.subset: "
            + "Referenced host+subset in destinationrule not found: \"reviews+v1\"", output.ToString());
    }

    [Theory]
    [InlineData("nested-sequence.yaml")]
    [InlineData("nested-mapping.yaml")]
    [InlineData("nested-array.json")]
    public async Task Meshctl_ValidateDeeplyNestedFile_ExitsOneWithThePositionAndReason(string file)
    {
        // A real meshctl process: the stack overflow this guards against would abort the test host itself.
        var path = Path.Combine(_dir, file);
        File.WriteAllText(path, HostileConfigTests.NestedFiles[file]);

        var (exit, output) = await RunMeshctlAsync("validate", path);

        Assert.True(exit == 1, $"meshctl exited {exit}:\n{output}");
        Assert.Contains($"error: {path}:1:", output);
        Assert.Contains("nested more than 100 levels deep (the limit on config input)", output);
    }

    [Fact]
    public async Task Meshctl_ValidateFileOverTheSizeFlag_ExitsOneNamingTheLimit()
    {
        var path = Path.Combine(_dir, "big.yaml");
        File.WriteAllText(path, new string('#', 2_000));

        var (exit, output) = await RunMeshctlAsync("validate", "--max-config-file-bytes", "1000", path);

        Assert.Equal(1, exit);
        Assert.Contains($"error: {path}: the file is 2000 bytes, more than the 1000 bytes a config file may hold", output);
    }

    private static async Task<(int Exit, string Output)> RunMeshctlAsync(params string[] args)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } fromSdk ? fromSdk : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "meshctl.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
