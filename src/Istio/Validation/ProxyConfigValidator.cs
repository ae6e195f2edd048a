using Mesh.Istio.Loading;
using Mesh.Istio.Networking;

namespace Mesh.Istio.Validation;

/// <summary>
/// Istio's ValidateProxyConfig (a selector's labels, a concurrency of 0 or more) and its CRD's limits (a value of at
/// most 2,048 characters). Plus what Istio leaves to the pod's creation: a variable name Kubernetes would refuse in
/// every pod the ProxyConfig applies to (<see cref="EnvironmentVariableNames"/>) is refused here, where its owner sees it.
/// </summary>
internal static class ProxyConfigValidator
{
    /// <summary>The CRD's maxLength of an environment variable's value.</summary>
    private const int MaxValueLength = 2048;

    public static void Validate(ProxyConfigSpec spec, FieldProblems p)
    {
        if (spec.Selector is { } selector)
        {
            if (selector.MatchLabels.Count == 0)
            {
                // Istio applies a ProxyConfig with a selector to the pods its labels select, and one without a selector
                // to the namespace: a selector with no labels is neither, so it applies to no pod.
                p.Warning("spec.selector", "a selector without matchLabels selects no pod: this ProxyConfig applies to none (remove the selector to apply it to the namespace)");
            }

            CommonRules.Selector(selector.MatchLabels, "spec.selector.matchLabels", p);
        }

        if (spec.Concurrency < 0)
        {
            p.Error("spec.concurrency", $"Invalid value: {spec.Concurrency}: concurrency must be greater than or equal to 0");
        }

        foreach (var (name, value) in spec.EnvironmentVariables)
        {
            var path = FieldPaths.Key("spec.environmentVariables", name);
            if (!EnvironmentVariableNames.IsValid(name))
            {
                p.Error(path, $"Invalid value: \"{name}\": {EnvironmentVariableNames.Rule}");
            }

            if (value.Length > MaxValueLength)
            {
                p.Error(path, $"Too long: may not be longer than {MaxValueLength}");
            }
        }
    }
}
