using System.Text.Json.Nodes;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// One change as the store committed it: the object after the change (before it, for DELETED) and, for an update,
/// the object before it (so a selector watch can tell an object entering or leaving its selection).
/// Never mutated once published.
/// </summary>
internal sealed record WatchEvent(long ResourceVersion, string Type, string Key, string? Namespace, JsonObject Object, JsonObject? Old);
