using Google.Protobuf;
using Mesh.ControlPlane.Translation;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>A generated type's resources as bytes (base64, in order): what tests compare between two generations.</summary>
internal static class ResourceBytes
{
    public static string[] Of(ProxyResources resources, string typeUrl)
    {
        var list = new List<string>();
        foreach (var resource in resources.OfType(typeUrl)) list.Add(Convert.ToBase64String(resource.ToByteArray()));
        return [.. list];
    }
}
