namespace Mesh.Proxy.Capture;

/// <summary>
/// Collects the capture's rules per IP family, in the order they are generated (Istio's rule builder); the IPv6 list
/// stays empty unless IPv6 is enabled. <see cref="RestorePayload"/> writes them for iptables-restore.
/// </summary>
internal sealed class IptablesRuleBuilder(bool enableIpv6)
{
    /// <summary>Chains and targets the kernel has already: never declared with -N (Istio's list).</summary>
    private static readonly HashSet<string> BuiltIn = new(StringComparer.Ordinal)
    {
        "INPUT", "OUTPUT", "FORWARD", "PREROUTING", "POSTROUTING", "ACCEPT", "RETURN", "DROP",
    };

    /// <summary>Stands for the family's own address in a rule written once for both families.</summary>
    public const string VersionSpecific = "\u0000ip";

    private readonly List<IptablesRule> _v4 = [];
    private readonly List<IptablesRule> _v6 = [];

    public IReadOnlyList<IptablesRule> V4 => _v4;

    public IReadOnlyList<IptablesRule> V6 => _v6;

    public static bool IsBuiltIn(string chain) => BuiltIn.Contains(chain);

    public void Append(string chain, string table, params string[] parameters)
    {
        AppendV4(chain, table, parameters);
        AppendV6(chain, table, parameters);
    }

    public void AppendV4(string chain, string table, params string[] parameters) =>
        _v4.Add(new IptablesRule(table, chain, $"-A {chain} {string.Join(' ', parameters)}"));

    public void AppendV6(string chain, string table, params string[] parameters)
    {
        if (enableIpv6)
        {
            _v6.Add(new IptablesRule(table, chain, $"-A {chain} {string.Join(' ', parameters)}"));
        }
    }

    /// <summary>Appends a rule to both families with <see cref="VersionSpecific"/> replaced by each family's address.</summary>
    public void AppendVersioned(string ipv4, string ipv6, string chain, string table, params string[] parameters)
    {
        AppendV4(chain, table, Replace(parameters, ipv4));
        AppendV6(chain, table, Replace(parameters, ipv6));
    }

    public void Insert(string chain, string table, int position, params string[] parameters)
    {
        InsertV4(chain, table, position, parameters);
        InsertV6(chain, table, position, parameters);
    }

    public void InsertV4(string chain, string table, int position, params string[] parameters) =>
        _v4.Add(new IptablesRule(table, chain, $"-I {chain} {position} {string.Join(' ', parameters)}"));

    public void InsertV6(string chain, string table, int position, params string[] parameters)
    {
        if (enableIpv6)
        {
            _v6.Add(new IptablesRule(table, chain, $"-I {chain} {position} {string.Join(' ', parameters)}"));
        }
    }

    private static string[] Replace(string[] parameters, string address)
    {
        var replaced = new string[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            replaced[i] = parameters[i] == VersionSpecific ? address : parameters[i];
        }

        return replaced;
    }
}
