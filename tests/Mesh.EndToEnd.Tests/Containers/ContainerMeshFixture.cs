namespace Mesh.EndToEnd.Tests.Containers;

/// <summary>
/// One container mesh for the class's tests, started by the first test that asks. The image is the one
/// scripts/image.sh builds (scripts/test.sh runs it first; $MESH_IMAGE names another): building it inside a test
/// would hide minutes of build behind a test's timeout and without its progress. Without Docker or the image every
/// test skips, saying which is missing; under CI=true they fail instead.
/// </summary>
public sealed class ContainerMeshFixture : IAsyncLifetime
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(20);
    private Task<ContainerMesh>? _mesh;

    /// <summary>The image the pods run: $MESH_IMAGE, else scripts/image.sh's default tag.</summary>
    public static string Image => Environment.GetEnvironmentVariable("MESH_IMAGE") is { Length: > 0 } image ? image : "mesh:dev";

    internal async Task<ContainerMesh> StartAsync()
    {
        await RequireDockerAndImageAsync();
        return await (_mesh ??= ContainerMesh.StartAsync(Image));
    }

    /// <summary>Skips the calling test without Docker or the image (saying which is missing); fails it instead under CI=true.</summary>
    internal static async Task RequireDockerAndImageAsync()
    {
        if (await MissingAsync() is { } missing)
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(missing + "; CI=true requires it (scripts/test.sh installs Docker and builds the image).");
            }

            Skip.If(true, missing);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_mesh is { IsCompletedSuccessfully: true }) await (await _mesh).DisposeAsync();
    }

    /// <summary>Why the container tests cannot run here, or null when Docker serves and the image exists.</summary>
    private static async Task<string?> MissingAsync()
    {
        var server = await DockerCli.RunAsync(ProbeTimeout, "version", "--format", "{{.Server.Version}}");
        if (server.Exit != 0)
        {
            return $"Docker cannot run containers here (docker version: {server.Err.Trim()}): the container tests need dockerd (scripts/image.sh starts it)";
        }

        var image = await DockerCli.RunAsync(ProbeTimeout, "image", "inspect", "--format", "{{.Id}}", Image);
        return image.Exit == 0 ? null : $"the image {Image} is not built: run scripts/image.sh (or set MESH_IMAGE)";
    }
}
