namespace Mesh.Proxy.Capture;

/// <summary>
/// Which iptables programs write the rules: iptables-legacy (the x_tables kernel interface) or iptables-nft (nf_tables
/// behind the same syntax). Rules written by one are invisible to the other, so the choice follows the netns: the backend
/// that already holds rules there (legacy first, as Istio checks it first), else the system's own <c>iptables</c>
/// (the image's default, Debian's alternatives choose it), else iptables-nft, else iptables-legacy.
/// <c>--force-iptables-binary legacy|nft</c> skips the detection.
/// </summary>
internal sealed record IptablesBackend(string Binary)
{
    /// <summary>The program that prints the tables: <c>iptables-nft</c> → <c>iptables-nft-save</c>.</summary>
    public string Save => Binary + "-save";

    /// <summary>The program that loads a payload: <c>iptables-nft</c> → <c>iptables-nft-restore</c>.</summary>
    public string Restore => Binary + "-restore";

    /// <summary>The backend for one family, or null with <paramref name="error"/> when no iptables program is installed.</summary>
    public static async Task<(IptablesBackend? Backend, string Reason)> DetectAsync(bool ipv6, string? forced, CancellationToken cancellationToken)
    {
        var plain = ipv6 ? "ip6tables" : "iptables";
        if (forced is not null)
        {
            var chosen = $"{plain}-{forced}";
            return ExternalCommand.IsOnPath(chosen)
                ? (new IptablesBackend(chosen), "forced by --force-iptables-binary")
                : (null, $"--force-iptables-binary {forced}: {chosen} is not installed");
        }

        foreach (var variant in (string[])["legacy", "nft"])
        {
            var candidate = new IptablesBackend($"{plain}-{variant}");
            if (ExternalCommand.IsOnPath(candidate.Save) && await candidate.HasRulesAsync(cancellationToken))
            {
                return (candidate, $"{variant} already holds rules in this network namespace");
            }
        }

        foreach (var binary in (string[])[plain, $"{plain}-nft", $"{plain}-legacy"])
        {
            if (ExternalCommand.IsOnPath(binary))
            {
                return (new IptablesBackend(binary), "no rules yet in this network namespace: the system's default");
            }
        }

        return (null, $"no {plain} program found: install iptables (iptables-nft or iptables-legacy)");
    }

    /// <summary>The tables as iptables-save prints them, or the failure.</summary>
    public Task<CommandResult> SaveAsync(CancellationToken cancellationToken) => ExternalCommand.RunAsync(Save, [], null, cancellationToken);

    /// <summary>Loads <paramref name="payload"/> without flushing what else is there, waiting for the xtables lock as Istio does.</summary>
    public Task<CommandResult> RestoreAsync(string payload, CancellationToken cancellationToken) =>
        ExternalCommand.RunAsync(Restore, ["--noflush", "--wait=30"], payload, cancellationToken);

    private async Task<bool> HasRulesAsync(CancellationToken cancellationToken)
    {
        var save = await SaveAsync(cancellationToken);
        if (save.ExitCode != 0)
        {
            return false;
        }

        foreach (var line in save.Output.Split('\n'))
        {
            if (line.StartsWith("-A ", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
