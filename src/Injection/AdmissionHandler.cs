using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Mesh.Injection;

/// <summary>
/// The injection webhook's request handling as a function, as Istio's <c>serveInject</c>: an AdmissionReview
/// (admission.k8s.io/v1 or v1beta1) in, an AdmissionReview out. An empty body is a 400 and a body that is not JSON by
/// its content type a 415, with no review; every other answer is a 200 review: a pod the policy leaves alone is
/// allowed unchanged, an injected one allowed with its JSON patch, and one that cannot be read or injected refused
/// (<c>allowed: false</c>) with the reason in <c>status.message</c>, as Istio's <c>toAdmissionResponse</c> does.
/// </summary>
public sealed class AdmissionHandler
{
    /// <summary>The largest review read (Istio's webhook limit): a Pod is far smaller.</summary>
    public const int MaxBodyBytes = 6 * 1024 * 1024;

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Func<SidecarInjector> _current;
    private readonly Func<ProxyConfigSet> _proxyConfigs;

    public AdmissionHandler(SidecarInjector injector) : this(() => injector)
    {
    }

    /// <param name="current">Read once per request: the control plane's mesh config changes the settings while it runs.</param>
    /// <param name="proxyConfigs">The ProxyConfig resources in force, read once per request; null: none.</param>
    public AdmissionHandler(Func<SidecarInjector> current, Func<ProxyConfigSet>? proxyConfigs = null)
    {
        _current = current;
        _proxyConfigs = proxyConfigs ?? (static () => ProxyConfigSet.Empty);
    }

    public AdmissionOutcome Handle(ReadOnlySpan<byte> body, string? contentType, string path)
    {
        if (body.IsEmpty)
        {
            return AdmissionOutcome.Plain(400, "no body found");
        }

        if (!IsJson(contentType))
        {
            return AdmissionOutcome.Plain(415, "invalid Content-Type, want `application/json`");
        }

        JsonObject? review;
        try
        {
            review = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException e)
        {
            return Answer("admission.k8s.io/v1", "", Refusal($"could not decode the AdmissionReview: {e.Message}"), AdmissionResult.Refused, "", e.Message);
        }

        var apiVersion = review?["apiVersion"] is JsonValue version && version.TryGetValue<string>(out var text) ? text : "admission.k8s.io/v1";
        if (apiVersion is not ("admission.k8s.io/v1" or "admission.k8s.io/v1beta1") || review?["kind"]?.ToString() != "AdmissionReview")
        {
            var reason = $"expected an admission.k8s.io/v1 or v1beta1 AdmissionReview, got {review?["kind"]} {apiVersion}";
            return Answer("admission.k8s.io/v1", "", Refusal(reason), AdmissionResult.Refused, "", reason);
        }

        var request = review["request"] as JsonObject;
        var uid = request?["uid"] is JsonValue id && id.TryGetValue<string>(out var uidText) ? uidText : "";
        if (request?["object"] is not JsonObject podJson)
        {
            return Answer(apiVersion, uid, Refusal("the AdmissionReview has no request.object"), AdmissionResult.Refused, "", "no request.object");
        }

        // Istio's registration sends pods only; anything else (a webhook configured for more) is let through untouched.
        var kind = request["kind"]?["kind"]?.ToString();
        if (kind is not (null or "Pod"))
        {
            return Answer(apiVersion, uid, new JsonObject { ["allowed"] = true }, AdmissionResult.Skipped, "", $"a {kind} is not a Pod");
        }

        V1Pod pod;
        try
        {
            pod = KubernetesJson.Deserialize<V1Pod>(podJson.ToJsonString());
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            var reason = $"could not read request.object as a Pod: {e.Message}";
            return Answer(apiVersion, uid, Refusal(reason), AdmissionResult.Refused, "", reason);
        }

        pod.Metadata ??= new V1ObjectMeta();
        pod.Spec ??= new V1PodSpec();
        // The API server sends a generated pod with neither name nor namespace: the review's namespace is the pod's.
        var requestNamespace = request["namespace"]?.ToString();
        if (string.IsNullOrEmpty(pod.Metadata.NamespaceProperty) && !string.IsNullOrEmpty(requestNamespace))
        {
            pod.Metadata.NamespaceProperty = requestNamespace;
        }

        // Managed fields can be large and injection never reads them (Istio drops them too).
        pod.Metadata.ManagedFields = null;
        var podName = $"{pod.Metadata.NamespaceProperty}/{(string.IsNullOrEmpty(pod.Metadata.Name) ? pod.Metadata.GenerateName + "*" : pod.Metadata.Name)}";
        var original = JsonNode.Parse(KubernetesJson.Serialize(pod))!;
        var warnings = new List<string>();
        var target = ForPath(_current(), path, warnings);
        string? skipped;
        try
        {
            skipped = target.Inject(pod.Metadata, pod.Spec, WorkloadOwner.FromPod(pod.Metadata, pod.Metadata.NamespaceProperty ?? ""), warnings, _proxyConfigs());
        }
        catch (InjectionException e)
        {
            return Answer(apiVersion, uid, Refusal($"sidecar injection failed: {e.Message}"), AdmissionResult.Refused, podName, e.Message);
        }

        var response = new JsonObject { ["allowed"] = true };
        if (skipped is not null)
        {
            AddWarnings(response, warnings);
            return Answer(apiVersion, uid, response, AdmissionResult.Skipped, podName, skipped);
        }

        var patch = JsonPatch.Create(original, JsonNode.Parse(KubernetesJson.Serialize(pod)));
        response["patchType"] = "JSONPatch";
        response["patch"] = Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(patch, Compact));
        AddWarnings(response, warnings);
        return Answer(apiVersion, uid, response, AdmissionResult.Injected, podName, $"{patch.Count} patch operations");
    }

    /// <summary>
    /// Istio's webhook path may carry settings for a remote cluster: <c>/inject/cluster/&lt;id&gt;/net/&lt;network&gt;</c>
    /// (or the older <c>/inject/:ENV:cluster=&lt;id&gt;:ENV:net=&lt;network&gt;</c>). The cluster id is honoured; the rest reported.
    /// </summary>
    private static SidecarInjector ForPath(SidecarInjector injector, string path, List<string> warnings)
    {
        var rest = path.TrimEnd('/');
        rest = rest.StartsWith("/inject", StringComparison.Ordinal) ? rest["/inject".Length..].TrimStart('/') : "";
        if (rest.Length == 0)
        {
            return injector;
        }

        var parts = new List<string>();
        if (rest.StartsWith(":ENV:", StringComparison.Ordinal))
        {
            foreach (var pair in rest.Split(":ENV:", StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=');
                if (equals > 0)
                {
                    parts.Add(pair[..equals]);
                    parts.Add(pair[(equals + 1)..]);
                }
            }
        }
        else
        {
            parts.AddRange(rest.Split('/').Select((part, i) => i % 2 == 1 ? part.Replace("--slash--", "/", StringComparison.Ordinal) : part));
        }

        var settings = injector.Settings;
        for (var i = 0; i + 1 < parts.Count; i += 2)
        {
            if (parts[i] == "cluster")
            {
                settings = settings with { ClusterId = parts[i + 1] };
            }
            else
            {
                warnings.Add($"webhook path parameter {parts[i]} is not implemented by this mesh's injector and has no effect");
            }
        }

        return ReferenceEquals(settings, injector.Settings) ? injector : new SidecarInjector(settings);
    }

    private static bool IsJson(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }

        var semicolon = contentType.IndexOf(';');
        var mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);
    }

    private static JsonObject Refusal(string message) => new() { ["allowed"] = false, ["status"] = new JsonObject { ["message"] = message } };

    private static void AddWarnings(JsonObject response, List<string> warnings)
    {
        if (warnings.Count > 0)
        {
            response["warnings"] = new JsonArray(warnings.Select(warning => (JsonNode)JsonValue.Create(warning)).ToArray());
        }
    }

    private static AdmissionOutcome Answer(string apiVersion, string uid, JsonObject fields, AdmissionResult result, string pod, string detail)
    {
        var response = new JsonObject { ["uid"] = uid };
        foreach (var (key, value) in fields.ToList())
        {
            fields.Remove(key);
            response[key] = value;
        }

        var answer = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = "AdmissionReview", ["response"] = response };
        var warnings = response["warnings"] is JsonArray list ? list.Select(item => item!.ToString()).ToArray() : [];
        return new AdmissionOutcome(200, "application/json", JsonSerializer.SerializeToUtf8Bytes(answer, Compact), result, pod, detail, warnings);
    }
}

/// <summary>What the webhook decided, for its HTTP answer and its log line.</summary>
public enum AdmissionResult
{
    /// <summary>Not a review at all (400, 415).</summary>
    BadRequest,

    /// <summary>Injected: allowed with a patch.</summary>
    Injected,

    /// <summary>Left alone by the policy: allowed without a patch.</summary>
    Skipped,

    /// <summary>Could not be read or injected: allowed: false with the reason.</summary>
    Refused,
}

/// <summary>The HTTP answer (status, content type, body) and, for the log, the pod and what happened to it.</summary>
public sealed record AdmissionOutcome(int StatusCode, string ContentType, byte[] Body, AdmissionResult Result, string Pod, string Detail, IReadOnlyList<string> Warnings)
{
    internal static AdmissionOutcome Plain(int statusCode, string message) =>
        new(statusCode, "text/plain; charset=utf-8", System.Text.Encoding.UTF8.GetBytes(message + "\n"), AdmissionResult.BadRequest, "", message, []);
}
