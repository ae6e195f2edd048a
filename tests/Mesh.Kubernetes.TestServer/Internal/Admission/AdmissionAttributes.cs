using System.Text.Json.Nodes;

namespace Mesh.Kubernetes.TestServer.Internal.Admission;

/// <summary>
/// What admission is asked about: the operation on which resource (at the version requested), the objects, and whether
/// it is a dry run; <paramref name="Warn"/> takes each warning a webhook answers with, for the client.
/// </summary>
internal sealed record AdmissionAttributes(
    string Operation,
    ResourceRequest Request,
    string Name,
    JsonObject Object,
    JsonObject? OldObject,
    string OptionsKind,
    bool DryRun,
    Action<string>? Warn = null);
