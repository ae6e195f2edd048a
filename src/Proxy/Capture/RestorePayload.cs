using System.Text;

namespace Mesh.Proxy.Capture;

/// <summary>
/// One family's rules as iptables-restore input (for <c>--noflush</c>). Alone, it is Istio's payload byte for byte: per
/// table (alphabetical), <c>-N</c> for each chain the rules fill (in order of first use), then for each chain only jumped
/// to, then the rules, then COMMIT. Given the current state, the same payload first removes the previous capture in the
/// same transaction (per table), so a second run replaces the rules atomically instead of adding a second set.
/// </summary>
internal static class RestorePayload
{
    public static string Build(IReadOnlyList<IptablesRule> rules, IptablesState? current = null)
    {
        var chains = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var declared = new HashSet<(string Table, string Chain)>();
        foreach (var rule in rules)
        {
            if (declared.Add((rule.Table, rule.Chain)) && !IptablesRuleBuilder.IsBuiltIn(rule.Chain))
            {
                Lines(chains, rule.Table).Add(rule.Chain);
            }
        }

        // Chains only jumped to still need declaring, or the jump would not load.
        foreach (var rule in rules)
        {
            if (rule.JumpTarget is { } target && declared.Add((rule.Table, target)) && !IptablesRuleBuilder.IsBuiltIn(target))
            {
                Lines(chains, rule.Table).Add(target);
            }
        }

        var tables = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        if (current is not null)
        {
            foreach (var table in current.Tables)
            {
                var kept = chains.TryGetValue(table, out var used) ? used : [];
                var cleanup = current.CleanupLines(table, kept, OwnBuiltInRules(rules, table));
                if (cleanup.Count > 0)
                {
                    Lines(tables, table).AddRange(cleanup);
                }
            }
        }

        foreach (var (table, names) in chains)
        {
            foreach (var chain in names)
            {
                // A chain the previous run made is flushed above and reused: declaring it again would fail.
                if (current is null || !current.HasChain(table, chain))
                {
                    Lines(tables, table).Add($"-N {chain}");
                }
            }
        }

        foreach (var rule in rules)
        {
            Lines(tables, rule.Table).Add(rule.Line);
        }

        var text = new StringBuilder();
        foreach (var (table, lines) in tables)
        {
            text.Append("* ").Append(table).Append('\n');
            foreach (var line in lines)
            {
                text.Append(line).Append('\n');
            }

            text.Append("COMMIT\n");
        }

        return text.ToString();
    }

    /// <summary>
    /// The lines that remove the capture in <paramref name="current"/>: every ISTIO_* chain, every jump to one, and the
    /// rules <paramref name="rules"/> (the same flags' capture) would put in the kernel's own chains.
    /// </summary>
    public static string BuildCleanup(IReadOnlyList<IptablesRule> rules, IptablesState current)
    {
        var text = new StringBuilder();
        foreach (var table in current.Tables.Order(StringComparer.Ordinal))
        {
            text.Append("* ").Append(table).Append('\n');
            foreach (var line in current.CleanupLines(table, [], OwnBuiltInRules(rules, table)))
            {
                text.Append(line).Append('\n');
            }

            text.Append("COMMIT\n");
        }

        return text.ToString();
    }

    /// <summary>The rules this capture puts in the kernel's own chains, as iptables-save prints them.</summary>
    public static HashSet<string> OwnBuiltInRules(IReadOnlyList<IptablesRule> rules, string table)
    {
        var own = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            if (rule.Table == table && IptablesRuleBuilder.IsBuiltIn(rule.Chain))
            {
                own.Add(rule.AsAppended);
            }
        }

        return own;
    }

    private static List<string> Lines(IDictionary<string, List<string>> tables, string table)
    {
        if (!tables.TryGetValue(table, out var lines))
        {
            lines = [];
            tables[table] = lines;
        }

        return lines;
    }
}
