namespace Mesh.Istio;

/// <summary>How a <see cref="StringMatch"/> compares its value with the request's.</summary>
public enum StringMatchType
{
    /// <summary>Istio <c>exact</c>: the whole value equals.</summary>
    Exact,

    /// <summary>Istio <c>prefix</c>: the value starts with it.</summary>
    Prefix,

    /// <summary>Istio <c>regex</c>: the whole value matches the RE2 expression.</summary>
    Regex,

    /// <summary>An empty match (<c>{}</c>) in a header or query parameter map: the header or parameter is present, whatever its value.</summary>
    Present,
}
