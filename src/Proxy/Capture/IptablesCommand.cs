namespace Mesh.Proxy.Capture;

/// <summary>
/// <c>Mesh.Proxy iptables</c>: Istio's istio-iptables, the istio-init container's program. Installs the capture rules in
/// the pod's network namespace with one <c>iptables-restore --noflush</c> per IP family (replacing a previous capture in the
/// same transaction), removes them (<c>--cleanup-only</c>), or prints them (<c>--dry-run</c>). Runs to completion: one line
/// per step on the standard output, one line per failure on the standard error.
/// </summary>
internal static class IptablesCommand
{
    /// <summary>Returns the exit code: 0 done, 1 failed (nothing or one family changed, as said), 2 a bad command line.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        var invocation = CaptureCommandLine.TryParse(args, environment, out var error);
        if (invocation is null)
        {
            await errors.WriteLineAsync($"Mesh.Proxy iptables: {error}");
            await errors.WriteLineAsync(CaptureCommandLine.Usage);
            return 2;
        }

        if (PodAddresses.IsIpv6(invocation.DualStack) is not { } ipv6)
        {
            await errors.WriteLineAsync("Mesh.Proxy iptables: the pod has no address besides loopback and link-local ones: cannot tell an IPv4 pod from an IPv6 one");
            return 1;
        }

        var config = invocation.Config with { EnableIpv6 = ipv6 };
        var rules = CaptureRuleGenerator.Generate(config);
        if (invocation.DryRun && !invocation.CleanupOnly)
        {
            await output.WriteLineAsync("# Mesh.Proxy iptables --dry-run: input for iptables-restore --noflush (IPv4); nothing was changed");
            await output.WriteAsync(RestorePayload.Build(rules.V4));
            if (config.EnableIpv6)
            {
                await output.WriteLineAsync("# input for ip6tables-restore --noflush (IPv6)");
                await output.WriteAsync(RestorePayload.Build(rules.V6));
            }

            return 0;
        }

        if (!await ApplyAsync(invocation, rules.V4, ipv6: false, output, errors, cancellationToken))
        {
            return 1;
        }

        // IPv6: installed only for an IPv6 pod (Istio's rule); removed wherever ip6tables is there to ask.
        if ((config.EnableIpv6 || invocation.CleanupOnly) && !await ApplyAsync(invocation, rules.V6, ipv6: true, output, errors, cancellationToken))
        {
            return 1;
        }

        return 0;
    }

    private static async Task<bool> ApplyAsync(
        CaptureInvocation invocation, IReadOnlyList<IptablesRule> rules, bool ipv6, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        var family = ipv6 ? "IPv6" : "IPv4";
        var (backend, reason) = await IptablesBackend.DetectAsync(ipv6, invocation.ForceBackend, cancellationToken);
        if (backend is null)
        {
            if (ipv6 && invocation.CleanupOnly && invocation.ForceBackend is null)
            {
                await output.WriteLineAsync($"{family}: no ip6tables program, nothing to remove");
                return true;
            }

            await errors.WriteLineAsync($"Mesh.Proxy iptables: {reason}");
            return false;
        }

        await output.WriteLineAsync($"{family}: using {backend.Binary} ({reason})");
        var save = await backend.SaveAsync(cancellationToken);
        if (save.ExitCode != 0)
        {
            await errors.WriteLineAsync($"Mesh.Proxy iptables: {backend.Save} failed: {save.OneLineErrors}; is NET_ADMIN granted?");
            return false;
        }

        var current = IptablesState.Parse(save.Output);
        string payload;
        if (invocation.CleanupOnly)
        {
            if (current.IsEmpty)
            {
                await output.WriteLineAsync($"{family}: no ISTIO_* chains, nothing to remove");
                return true;
            }

            payload = RestorePayload.BuildCleanup(rules, current);
        }
        else
        {
            payload = RestorePayload.Build(rules, current);
        }

        if (invocation.DryRun)
        {
            await output.WriteLineAsync($"# Mesh.Proxy iptables --dry-run: input for {backend.Restore} --noflush ({family}); nothing was changed");
            await output.WriteAsync(payload);
            return true;
        }

        var restore = await backend.RestoreAsync(payload, cancellationToken);
        if (restore.ExitCode != 0)
        {
            await errors.WriteLineAsync($"Mesh.Proxy iptables: {backend.Restore} failed: {restore.OneLineErrors}; is NET_ADMIN granted?");
            return false;
        }

        var done = invocation.CleanupOnly
            ? "removed the capture"
            : current.IsEmpty ? $"installed {rules.Count} rules" : $"replaced the previous capture with {rules.Count} rules";
        await output.WriteLineAsync($"{family}: {done} with {backend.Restore} --noflush:");
        await output.WriteAsync(payload);
        return true;
    }
}
