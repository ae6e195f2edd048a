using System.Runtime.CompilerServices;
using Mesh.Istio.Networking;

namespace Mesh.Istio.Analysis;

/// <summary>
/// Analyzes loaded resources together, as <c>istioctl analyze</c> does: which copy of a duplicate is served, fields
/// and kinds this mesh accepts without applying, references to nothing, conflicts and rules that can never match.
/// Pure: the same resources give the same messages, in file and line order.
/// </summary>
public static class MeshAnalyzer
{
    private static readonly IReadOnlySet<string> NoPlatformHosts = new HashSet<string>();

    /// <summary>
    /// What the checks that read one resource alone found in it, by resource instance. A source gives an unchanged
    /// resource the same instance, so a change to one of a thousand files runs them on that file's resources only:
    /// every field path against every entry of <see cref="NotEffectiveFields"/> was most of the analysis
    /// (docs/performance.md, "Parts and findings carried").
    /// </summary>
    private static readonly ConditionalWeakTable<IstioResource, OwnFindings> FindingsOf = new();

    public static IReadOnlyList<AnalysisMessage> Analyze(IReadOnlyList<IstioResource> resources) => Analyze(resources, NotEffectiveFields.All, NoPlatformHosts);

    /// <param name="platformHosts">Hosts a platform registers (a cluster's Services, lower case): destinations that exist.</param>
    public static IReadOnlyList<AnalysisMessage> Analyze(IReadOnlyList<IstioResource> resources, IReadOnlySet<string> platformHosts) =>
        Analyze(resources, NotEffectiveFields.All, platformHosts);

    /// <param name="notEffective">The fields to report as having no effect (tests give their own list).</param>
    public static IReadOnlyList<AnalysisMessage> Analyze(IReadOnlyList<IstioResource> resources, IReadOnlyList<NotEffectiveField> notEffective) =>
        Analyze(resources, notEffective, NoPlatformHosts);

    private static IReadOnlyList<AnalysisMessage> Analyze(IReadOnlyList<IstioResource> resources, IReadOnlyList<NotEffectiveField> notEffective, IReadOnlySet<string> platformHosts)
    {
        var messages = new List<AnalysisMessage>();
        var served = ServedResources.Select(resources, messages);
        var mesh = new MeshIndex(served, platformHosts);
        foreach (var resource in served)
        {
            messages.AddRange(Findings(resource, notEffective));
            if (resource is VirtualService virtualService)
            {
                ReferenceCheck.Check(virtualService, mesh, messages);
            }
        }

        SubsetCheck.Check(mesh, messages);
        MergeCheck.Check(mesh, messages);
        GatewayConflictCheck.Check(mesh, messages);
        MeshHostConflictCheck.Check(mesh, messages);
        SidecarConflictCheck.Check(mesh, messages);
        ProxyConfigConflictCheck.Check(mesh, messages);
        messages.Sort(AnalysisMessage.Compare);
        return messages;
    }

    /// <summary>The findings of the checks that read <paramref name="resource"/> alone, made once per instance and list of fields.</summary>
    private static AnalysisMessage[] Findings(IstioResource resource, IReadOnlyList<NotEffectiveField> notEffective)
    {
        if (FindingsOf.TryGetValue(resource, out var known) && ReferenceEquals(known.NotEffective, notEffective))
        {
            return known.Messages;
        }

        var messages = new List<AnalysisMessage>();
        FieldEffectCheck.Check(resource, notEffective, messages);
        if (resource is VirtualService virtualService)
        {
            MatchCheck.Check(virtualService, messages);
        }

        var findings = new OwnFindings(notEffective, [.. messages]);
        FindingsOf.AddOrUpdate(resource, findings);
        return findings.Messages;
    }

    private sealed record OwnFindings(IReadOnlyList<NotEffectiveField> NotEffective, AnalysisMessage[] Messages);
}
