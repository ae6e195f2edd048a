using System.Text;

namespace Mesh.EndToEnd.Tests.Cluster;

/// <summary>
/// Kubernetes' <c>$(VAR)</c> expansion of env values, command and args: a defined variable is replaced, an undefined
/// reference is left as written, and <c>$$</c> escapes a dollar (<c>$$(VAR)</c> stays <c>$(VAR)</c>).
/// </summary>
internal static class VariableExpansion
{
    public static string Expand(string input, IReadOnlyDictionary<string, string> variables)
    {
        if (!input.Contains('$', StringComparison.Ordinal)) return input;
        var text = new StringBuilder(input.Length);
        for (var i = 0; i < input.Length; i++)
        {
            var c = input[i];
            if (c != '$' || i + 1 == input.Length)
            {
                text.Append(c);
                continue;
            }

            if (input[i + 1] == '$')
            {
                text.Append('$');
                i++;
                continue;
            }

            var close = input[i + 1] == '(' ? input.IndexOf(')', i + 2) : -1;
            if (close < 0)
            {
                text.Append(c);
                continue;
            }

            if (variables.TryGetValue(input[(i + 2)..close], out var value)) text.Append(value);
            else text.Append(input, i, close - i + 1);
            i = close;
        }

        return text.ToString();
    }
}
