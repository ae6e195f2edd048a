using Google.Protobuf;

namespace Mesh.Proxy.Model;

/// <summary>The resources of one type as last applied, with the version and nonce they arrived with (what the config dump shows).</summary>
internal sealed record AppliedResources(string TypeUrl, string Version, string Nonce, IReadOnlyList<IMessage> Resources)
{
    public static AppliedResources None(string typeUrl) => new(typeUrl, string.Empty, string.Empty, []);

    public bool IsApplied => Version.Length > 0 || Nonce.Length > 0;
}
