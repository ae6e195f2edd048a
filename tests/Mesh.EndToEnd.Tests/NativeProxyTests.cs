using Mesh.Meshctl.Local;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// Local mode runs a native proxy executable in place of <c>dotnet Mesh.Proxy.dll</c> (how the load harness measures
/// the image's proxy, compiled ahead of time): every proxy is that program, and requests cross the mesh as before.
/// </summary>
public sealed class NativeProxyTests
{
    [Fact]
    public async Task LocalMesh_ProxyExecutable_EveryProxyRunsItAndRequestsCrossTheMesh()
    {
        // The build's own launcher stands in for a published AOT proxy: both are native programs, started directly.
        var dll = RepositoryLayout.Find().Binary("Mesh.Proxy");
        var executable = Path.ChangeExtension(dll, null);
        Assert.True(File.Exists(executable), $"no native launcher beside {dll}");

        await using var run = await MeshRun.StartAsync(configure: options => options with { ProxyExecutable = executable });

        var answer = await run.GetAsync();
        Assert.Equal(200, answer.Status);
        foreach (var name in new[] { LocalMesh.GatewayName, "frontend-v1 sidecar", "backend-v1 sidecar" })
        {
            var pid = run.Mesh.ProcessId(name) ?? throw new InvalidOperationException($"no {name} process");
            // Started directly, the program is the process's executable; through dotnet it would be the dotnet host.
            Assert.Equal(executable, new FileInfo($"/proc/{pid}/exe").LinkTarget);
        }
    }
}
