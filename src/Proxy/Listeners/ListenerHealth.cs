using System.Collections.Concurrent;
using System.Text;

namespace Mesh.Proxy.Listeners;

/// <summary>The accept state of every running listener, for readiness: a listener that cannot accept makes the proxy not ready.</summary>
internal sealed class ListenerHealth
{
    private readonly ConcurrentDictionary<string, ListenerAcceptState> _byEndPoint = new(StringComparer.Ordinal);

    public ListenerAcceptState Add(string name, string endPointKey) => _byEndPoint[endPointKey] = new ListenerAcceptState(name, endPointKey);

    public void Remove(string endPointKey) => _byEndPoint.TryRemove(endPointKey, out _);

    /// <summary>Null while every listener accepts; otherwise one line naming each that does not, and why.</summary>
    public string? DescribeNotAccepting()
    {
        StringBuilder? text = null;
        foreach (var state in _byEndPoint.Values)
        {
            if (state.Failure is { } failure)
            {
                text = text is null ? new StringBuilder("not accepting connections: ") : text.Append("; ");
                text.Append($"listener {state.Name} on {state.EndPoint} ({failure})");
            }
        }

        return text?.ToString();
    }
}
