namespace Mesh.Kubernetes.TestServer;

/// <summary>
/// An Event created through the API (core/v1, or events.k8s.io/v1 mapped onto the same fields), as status tests read it.
/// </summary>
public sealed record RecordedEvent(
    string Namespace,
    string Name,
    string Type,
    string Reason,
    string Message,
    string InvolvedKind,
    string InvolvedName,
    string InvolvedNamespace,
    string InvolvedApiVersion,
    string ReportingComponent,
    int Count);
