namespace Mesh.Meshctl.Cluster;

/// <summary>One line per step; ✔, ✘ and ‼ in green, red and yellow only when writing to a terminal.</summary>
internal sealed class StepWriter(TextWriter output, bool color)
{
    /// <summary>Color when standard output is a terminal and NO_COLOR is unset (https://no-color.org).</summary>
    public static StepWriter ForConsole() =>
        new(Console.Out, !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")));

    public TextWriter Output => output;

    public void Line(string text) => output.WriteLine(text);

    public void Ok(string text) => output.WriteLine($"{Mark("✔", "32")} {text}");

    public void Warn(string text, string? hint = null) => Write(Mark("‼", "33"), text, hint);

    public void Fail(string text, string? hint = null) => Write(Mark("✘", "31"), text, hint);

    private void Write(string mark, string text, string? hint)
    {
        output.WriteLine($"{mark} {text}");
        if (hint is not null)
        {
            output.WriteLine($"    hint: {hint}");
        }
    }

    private string Mark(string mark, string code) => color ? $"\u001b[{code}m{mark}\u001b[0m" : mark;
}
