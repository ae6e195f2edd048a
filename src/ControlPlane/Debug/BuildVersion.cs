using System.Reflection;

namespace Mesh.ControlPlane.Debug;

/// <summary>
/// What <c>/version</c> answers, in istiod's format (<c>version.Info.String()</c>: "&lt;version&gt;-&lt;git revision&gt;-&lt;build status&gt;",
/// plain text). Kiali takes the first "X.Y.Z" in it as the Istio version and checks its support against it, so the text
/// starts with the Istio release whose API and behaviour this mesh follows; this build's own version comes after.
/// </summary>
internal static class BuildVersion
{
    /// <summary>The Istio release this mesh follows (its conformance data is Istio's; Kiali checks support against it).</summary>
    public const string IstioRelease = "1.27.0";

    public static string MeshVersion { get; } =
        typeof(BuildVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>E.g. "1.27.0-mesh.1.0.0-Clean".</summary>
    public static string Text { get; } = $"{IstioRelease}-mesh.{MeshVersion}-Clean";
}
