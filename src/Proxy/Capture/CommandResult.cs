namespace Mesh.Proxy.Capture;

/// <summary>What a program did: its exit code (-1: it could not run or did not finish), its output and its errors.</summary>
internal sealed record CommandResult(int ExitCode, string Output, string Errors)
{
    /// <summary>The errors on one line, for a one-line report.</summary>
    public string OneLineErrors => string.Join("; ", Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
