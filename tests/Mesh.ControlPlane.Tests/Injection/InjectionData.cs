using System.Text.Json.Nodes;
using k8s;
using Mesh.ControlPlane.Tests.Istio;

namespace Mesh.ControlPlane.Tests.Injection;

/// <summary>
/// Istio's injector goldens (../shared/conformance/istio/pkg/kube/inject/testdata/inject) and a real AdmissionReview
/// (../shared/conformance/admission), found beside the repository as the other conformance data is; the tests skip
/// naming the missing folder, and fail under CI=true.
/// </summary>
internal static class InjectionData
{
    public static string GoldenFolder => Path.Combine(ConformanceFiles.ExpectedRoot, "pkg", "kube", "inject", "testdata", "inject");

    public static string AdmissionReviewFile =>
        Path.Combine(ConformanceFiles.ExpectedRoot, "..", "admission", "salesforce-generic-sidecar-injector", "testdata", "admissionreview.json");

    public static void SkipUnlessPresent(string path)
    {
        if (File.Exists(path))
        {
            return;
        }

        var message = $"injection conformance data not found at {Path.GetFullPath(path)} (../shared/conformance beside the repository)";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message + "; CI=true requires it.");
        }

        Skip.If(true, message);
    }

    /// <summary>A Kubernetes object as the JSON Kubernetes' model writes it (so YAML and JSON inputs compare alike).</summary>
    public static JsonObject Json(object value) => (JsonObject)JsonNode.Parse(KubernetesJson.Serialize(value))!;

    public static JsonObject Element(JsonNode? array, string name) =>
        (JsonObject)(((JsonArray?)array)?.FirstOrDefault(item => item?["name"]?.GetValue<string>() == name)
            ?? throw new Xunit.Sdk.XunitException($"no element named {name} in {array?.ToJsonString()}"));

    public static List<string> Names(JsonNode? array) =>
        ((JsonArray?)array)?.Select(item => item!["name"]!.GetValue<string>()).ToList() ?? [];

    public static void AssertJsonEqual(JsonNode? expected, JsonNode? actual, string what) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"{what}:\n expected {expected?.ToJsonString()}\n actual   {actual?.ToJsonString()}");
}
