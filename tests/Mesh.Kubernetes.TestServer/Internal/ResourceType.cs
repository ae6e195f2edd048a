namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// One served resource: its group, the versions it is served at (all from one storage), names and scope.
/// A CRD becomes one of these; built-in kinds are listed in <see cref="BuiltInResources"/>.
/// </summary>
internal sealed record ResourceType(
    string Group,
    string[] Versions,
    string Plural,
    string Singular,
    string Kind,
    bool Namespaced,
    string[] ShortNames,
    bool HasStatus,
    string[] Verbs,
    string[] Categories)
{
    /// <summary>The storage key: one per group and plural, whatever the version.</summary>
    public string Key => Group.Length == 0 ? Plural : Plural + "." + Group;

    public string ListKind => Kind + "List";

    public string ApiVersion(string version) => Group.Length == 0 ? version : Group + "/" + version;

    /// <summary>The real server returns the deleted object (not a Status) for these; custom resources included.</summary>
    public bool ReturnsDeletedObject { get; init; }

    /// <summary>metadata.generation is kept (set to 1, raised on spec changes): workloads, webhook configurations, CRDs, custom resources.</summary>
    public bool TracksGeneration { get; init; }

    /// <summary>Defined by a CRD (no strategic merge patch: the real server has no patch metadata for custom resources).</summary>
    public bool IsCustom { get; init; }

    /// <summary>A resource that is only ever created and answered (TokenReview): nothing is stored.</summary>
    public bool IsVirtual { get; init; }

    public static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    public static readonly string[] StatusVerbs = ["get", "patch", "update"];
}
