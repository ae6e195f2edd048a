namespace Mesh.ControlPlane.Discovery;

/// <summary>The label values of <see cref="PushReasons"/>.</summary>
internal static class PushReasonNames
{
    public static string Name(PushReasons reason) => reason switch
    {
        PushReasons.Config => "config",
        PushReasons.Global => "global",
        _ => "unknown",
    };

    /// <summary>"config,global" for logs.</summary>
    public static string Describe(this PushReasons reasons)
    {
        var names = new List<string>(2);
        foreach (var reason in (PushReasons[])[PushReasons.Config, PushReasons.Global])
        {
            if ((reasons & reason) != 0) names.Add(Name(reason));
        }
        return names.Count == 0 ? "none" : string.Join(',', names);
    }
}
