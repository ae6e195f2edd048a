namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>
/// A port nobody listens on right now (listener ports come from config, so the proxy cannot bind port 0): meshctl's
/// picker, below the kernel's ephemeral range and never the same twice in a row within the test run.
/// </summary>
internal static class FreePort
{
    public static int Next() => Mesh.Meshctl.Local.FreePorts.Take(1)[0];
}
