using System.Net;
using Mesh.Contracts.Discovery;

namespace Mesh.Proxy.Model;

/// <summary>
/// A compiled attribute match of an authorization rule: the attribute, the values as patterns, address ranges or
/// ports (whichever the attribute compares), and whether it is negated (an Istio <c>not*</c> field or notValues).
/// </summary>
internal sealed class AuthorizationMatchModel
{
    public required AuthorizationAttribute Attribute { get; init; }

    /// <summary>True: the match holds when no value matches.</summary>
    public required bool Negated { get; init; }

    /// <summary>The header name (HEADER) or claim path (CLAIM); empty otherwise.</summary>
    public string[] Key { get; init; } = [];

    public AuthorizationPattern[] Patterns { get; init; } = [];

    public IPNetwork[] Networks { get; init; } = [];

    public int[] Ports { get; init; } = [];

    public bool AnyPattern(ReadOnlySpan<char> value)
    {
        foreach (var pattern in Patterns)
        {
            if (pattern.Matches(value)) return true;
        }
        return false;
    }

    public bool AnyNetwork(IPAddress address)
    {
        foreach (var network in Networks)
        {
            if (network.Contains(address)) return true;
        }
        return false;
    }

    public bool AnyPort(int port)
    {
        foreach (var candidate in Ports)
        {
            if (candidate == port) return true;
        }
        return false;
    }
}
