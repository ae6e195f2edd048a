using YamlDotNet.Core;

namespace Mesh.Istio.Loading;

/// <summary>A file went past one of the <see cref="ConfigInputLimits"/> at <see cref="YamlException.Start"/>; <see cref="Reason"/> says which.</summary>
internal sealed class InputLimitException(Mark start, Mark end, string reason) : YamlException(start, end, reason)
{
    public string Reason { get; } = reason;
}
