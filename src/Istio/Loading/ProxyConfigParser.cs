using Mesh.Istio.Networking;

namespace Mesh.Istio.Loading;

/// <summary>Maps the YAML of a ProxyConfig onto the model; the reader records type errors and unknown fields.</summary>
internal static class ProxyConfigParser
{
    internal static ProxyConfigSpec ParseProxyConfigSpec(YamlMappingReader r) => new()
    {
        Selector = r.Object("selector", SecurityParser.ParseLabelSelector),
        Concurrency = r.Int32("concurrency"),
        EnvironmentVariables = r.StringMap("environmentVariables"),
        ImageType = r.Object("image", static image => image.String("imageType") ?? ""),
    };
}
