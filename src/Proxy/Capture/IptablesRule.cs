namespace Mesh.Proxy.Capture;

/// <summary>One rule of the capture: its table, its chain and the iptables-restore line (<c>-A CHAIN …</c> or <c>-I CHAIN 1 …</c>).</summary>
internal sealed record IptablesRule(string Table, string Chain, string Line)
{
    /// <summary>The chain this rule jumps to when the line ends with <c>-j TARGET</c> (Istio declares those too); else null.</summary>
    public string? JumpTarget
    {
        get
        {
            var jump = Line.LastIndexOf(" -j ", StringComparison.Ordinal);
            if (jump < 0)
            {
                return null;
            }

            var target = Line[(jump + 4)..];
            return target.Contains(' ', StringComparison.Ordinal) ? null : target;
        }
    }

    /// <summary>The rule as iptables-save prints an appended rule (<c>-A CHAIN …</c>), whether it was appended or inserted.</summary>
    public string AsAppended
    {
        get
        {
            if (!Line.StartsWith("-I ", StringComparison.Ordinal))
            {
                return Line;
            }

            // "-I CHAIN POSITION rest" → "-A CHAIN rest"
            var afterChain = Line.IndexOf(' ', 3);
            var afterPosition = Line.IndexOf(' ', afterChain + 1);
            return $"-A {Chain}{Line[afterPosition..]}";
        }
    }
}
