using System.Text;
using System.Text.RegularExpressions;

namespace Mesh.Istio.Analysis;

/// <summary>
/// One Istio field this mesh accepts but does not apply: the kind, where the field is, and why (with what to do).
/// </summary>
/// <param name="Kind">The resource kind, e.g. <c>DestinationRule</c>.</param>
/// <param name="Path">
/// Where the field is: a field path whose <c>[*]</c> stands for any list index or map key and whose <c>**</c> segment
/// for any run of segments (<c>spec.**.outlierDetection</c> is the rule's, a subset's and a port's); empty for the
/// whole resource.
/// </param>
/// <param name="Reason">Why it has no effect, and what to do instead when there is something.</param>
public sealed record NotEffectiveField(string Kind, string Path, string Reason)
{
    private Regex? _pattern;

    /// <summary>Whether a written field's path is this entry's field (not one inside it: the field is reported once).</summary>
    public bool Matches(string fieldPath) => Path.Length > 0 && (_pattern ??= Compile(Path)).IsMatch(fieldPath);

    private static Regex Compile(string path)
    {
        var pattern = new StringBuilder("^");
        var segments = path.Split('.');
        for (var i = 0; i < segments.Length; i++)
        {
            if (segments[i] == "**")
            {
                // Any run of segments, each a name with optional [index] or [key] parts (a key may hold dots).
                pattern.Append(@"(?:[^.\[]+(?:\[[^\]]*\])*\.)*");
                continue;
            }

            pattern.Append(Regex.Escape(segments[i]).Replace(@"\[\*]", @"\[[^\]]*]", StringComparison.Ordinal));
            if (i < segments.Length - 1)
            {
                pattern.Append(@"\.");
            }
        }

        return new Regex(pattern.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
