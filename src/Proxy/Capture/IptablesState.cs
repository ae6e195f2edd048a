namespace Mesh.Proxy.Capture;

/// <summary>
/// The capture already in the kernel, read from iptables-save: per table, the ISTIO_* chains and the rules of the
/// kernel's own chains. From it, the lines that remove that capture: the rules that jump to an ISTIO_* chain or that
/// this capture would write itself (interface exclusions), every ISTIO_* chain flushed, and deleted unless reused.
/// </summary>
internal sealed class IptablesState
{
    private const string ChainPrefix = "ISTIO_";

    private readonly Dictionary<string, List<string>> _chains = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _builtInRules = new(StringComparer.Ordinal);

    /// <summary>The tables that hold something of a capture.</summary>
    public IEnumerable<string> Tables => _chains.Keys;

    public bool IsEmpty => _chains.Count == 0;

    public static IptablesState Parse(string save)
    {
        var state = new IptablesState();
        var table = "";
        var chains = new List<string>();
        var rules = new List<string>();
        foreach (var raw in save.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith('*'))
            {
                table = line[1..].Trim();
                chains = [];
                rules = [];
            }
            else if (line.StartsWith(':' + ChainPrefix, StringComparison.Ordinal))
            {
                chains.Add(line[1..line.IndexOf(' ', StringComparison.Ordinal)]);
            }
            else if (line.StartsWith("-A ", StringComparison.Ordinal))
            {
                var chain = line.Split(' ', 3)[1];
                if (IptablesRuleBuilder.IsBuiltIn(chain))
                {
                    rules.Add(line);
                }
            }
            else if (line == "COMMIT" && chains.Count > 0)
            {
                state._chains[table] = chains;
                state._builtInRules[table] = rules;
            }
        }

        return state;
    }

    public bool HasChain(string table, string chain) => _chains.TryGetValue(table, out var chains) && chains.Contains(chain);

    /// <summary>
    /// The iptables-restore lines that undo the capture in <paramref name="table"/>: <c>-D</c> of each rule that jumps to
    /// an ISTIO_* chain or is one of <paramref name="ownBuiltInRules"/>, <c>-F</c> of each ISTIO_* chain, and <c>-X</c> of
    /// those not in <paramref name="kept"/>.
    /// </summary>
    public List<string> CleanupLines(string table, IReadOnlyCollection<string> kept, IReadOnlySet<string> ownBuiltInRules)
    {
        var lines = new List<string>();
        if (!_chains.TryGetValue(table, out var chains))
        {
            return lines;
        }

        foreach (var rule in _builtInRules[table])
        {
            var jump = rule.LastIndexOf(" -j ", StringComparison.Ordinal);
            var jumpsToCapture = jump >= 0 && rule.AsSpan(jump + 4).StartsWith(ChainPrefix, StringComparison.Ordinal);
            if (jumpsToCapture || ownBuiltInRules.Contains(rule))
            {
                lines.Add("-D" + rule[2..]);
            }
        }

        foreach (var chain in chains)
        {
            lines.Add($"-F {chain}");
        }

        foreach (var chain in chains)
        {
            if (!kept.Contains(chain))
            {
                lines.Add($"-X {chain}");
            }
        }

        return lines;
    }
}
