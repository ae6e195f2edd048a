using System.Globalization;
using Mesh.Istio;
using Mesh.Istio.Loading;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>A mesh config that cannot be used: where (a field path, or "mesh" with a line and column) and why.</summary>
internal sealed class MeshConfigException(string path, string reason) : Exception($"{path}: {reason}")
{
    public string Path { get; } = path;

    public string Reason { get; } = reason;
}

/// <summary>
/// Reads Istio's MeshConfig YAML (the istio ConfigMap's <c>mesh</c> key) with the bounded parser Istio config files go
/// through: one document, a mapping at the top, the implemented fields type-checked. Throws <see cref="MeshConfigException"/>.
/// </summary>
internal static class MeshConfigParser
{
    /// <summary>A ConfigMap holds at most 1 MiB; the mesh config is a few kilobytes.</summary>
    public const int MaxBytes = 1024 * 1024;

    private static readonly ConfigInputLimits Limits = new() { MaxFileBytes = MaxBytes, MaxNodes = 50_000 };

    public static MeshConfigDocument Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return MeshConfigDocument.Empty;
        if (text.Length > MaxBytes) throw new MeshConfigException("mesh", $"{text.Length} characters, over the {MaxBytes} a mesh config may hold");

        var parser = new BoundedYamlParser(new Parser(new StringReader(text)), Limits);
        var stream = new YamlStream();
        try
        {
            stream.Load(parser);
        }
        catch (InputLimitException e)
        {
            throw new MeshConfigException($"mesh (line {e.Start.Line}, column {e.Start.Column})", e.Reason);
        }
        catch (YamlException e)
        {
            var inner = e;
            while (inner.InnerException is YamlException next) inner = next;
            var message = inner.Message;
            var prefix = message.IndexOf("): ", StringComparison.Ordinal);
            throw new MeshConfigException($"mesh (line {inner.Start.Line}, column {inner.Start.Column})",
                "YAML syntax error: " + (message.StartsWith('(') && prefix > 0 ? message[(prefix + 3)..] : message));
        }

        if (stream.Documents.Count == 0) return MeshConfigDocument.Empty;
        if (stream.Documents.Count > 1) throw new MeshConfigException("mesh", $"{stream.Documents.Count} YAML documents; a mesh config is one");
        var root = stream.Documents[0].RootNode;
        if (IsNull(root)) return MeshConfigDocument.Empty;
        if (root is not YamlMappingNode mapping) throw new MeshConfigException("mesh", "expected a mapping of MeshConfig fields");

        var fields = new List<string>();
        Collect(mapping, "", fields);
        var defaultConfig = Child(mapping, "defaultConfig") is { } node
            ? node as YamlMappingNode ?? throw new MeshConfigException("defaultConfig", "expected a mapping (ProxyConfig)")
            : null;
        return new MeshConfigDocument
        {
            DiscoveryAddress = Address(defaultConfig, "discoveryAddress", MeshConfigFields.DiscoveryAddress),
            HoldApplicationUntilProxyStarts = Bool(defaultConfig, "holdApplicationUntilProxyStarts", MeshConfigFields.HoldApplicationUntilProxyStarts),
            Concurrency = String(defaultConfig, "concurrency", MeshConfigFields.Concurrency) is not { } workers ? null
                : int.TryParse(workers, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count
                : throw new MeshConfigException(MeshConfigFields.Concurrency, $"Invalid value: \"{workers}\": expected a number of workers, 0 or more"),
            TerminationDrainDuration = String(defaultConfig, "terminationDrainDuration", MeshConfigFields.TerminationDrainDuration) is not { } drain ? null
                : IstioDuration.TryParse(drain, out var duration) && duration >= TimeSpan.Zero ? duration
                : throw new MeshConfigException(MeshConfigFields.TerminationDrainDuration, $"Invalid value: \"{drain}\": expected a duration (\"5s\")"),
            ProxyMetadata = ProxyMetadata(defaultConfig),
            EnablePrometheusMerge = Bool(mapping, "enablePrometheusMerge", MeshConfigFields.EnablePrometheusMerge),
            TrustDomain = String(mapping, "trustDomain", MeshConfigFields.TrustDomain),
            RootNamespace = String(mapping, "rootNamespace", MeshConfigFields.RootNamespace),
            OutboundTrafficPolicy = OutboundTrafficPolicy(mapping),
            AccessLogFile = String(mapping, "accessLogFile", MeshConfigFields.AccessLogFile),
            AccessLogEncoding = AccessLogEncoding(mapping),
            EnableTracing = Bool(mapping, "enableTracing", MeshConfigFields.EnableTracing),
            TracingSampling = Sampling(defaultConfig),
            TracingProviders = Providers(mapping),
            DefaultTracingProviders = Names(Child(mapping, "defaultProviders"), "tracing", MeshConfigFields.DefaultTracingProviders),
            IngressClass = String(mapping, "ingressClass", MeshConfigFields.IngressClass),
            IngressControllerMode = String(mapping, "ingressControllerMode", MeshConfigFields.IngressControllerMode) switch
            {
                null => null,
                "STRICT" => Model.IngressControllerMode.Strict,
                "DEFAULT" => Model.IngressControllerMode.Default,
                "OFF" => Model.IngressControllerMode.Off,
                var other => throw new MeshConfigException(MeshConfigFields.IngressControllerMode, $"Invalid value: \"{other}\": expected STRICT, DEFAULT or OFF"),
            },
            IngressSelector = String(mapping, "ingressSelector", MeshConfigFields.IngressSelector),
            IngressService = String(mapping, "ingressService", MeshConfigFields.IngressService),
            Fields = fields,
        };
    }

    /// <summary>The path of every non-null scalar or list under <paramref name="node"/>; a mapping is walked into.</summary>
    private static void Collect(YamlMappingNode node, string path, List<string> fields)
    {
        foreach (var (key, value) in node.Children)
        {
            var child = FieldPaths.Field(path, (key as YamlScalarNode)?.Value ?? key.ToString());
            if (IsNull(value)) continue;
            // proxyMetadata is one field, a map of variables, as the list-valued fields are.
            if (value is YamlMappingNode nested && child != MeshConfigFields.ProxyMetadata) Collect(nested, child, fields);
            else fields.Add(child);
        }
    }

    private static YamlNode? Child(YamlMappingNode? node, string key)
    {
        if (node is null || !node.Children.TryGetValue(new YamlScalarNode(key), out var value) || IsNull(value)) return null;
        return value;
    }

    private static string? String(YamlMappingNode? node, string key, string path) => Child(node, key) switch
    {
        null => null,
        YamlScalarNode { Value: { } text } => text,
        _ => throw new MeshConfigException(path, "expected a string"),
    };

    private static bool? Bool(YamlMappingNode? node, string key, string path) => String(node, key, path) is not { } text
        ? null
        : bool.TryParse(text, out var value) ? value : throw new MeshConfigException(path, $"Invalid value: \"{text}\": expected true or false");

    /// <summary>outboundTrafficPolicy.mode, by Istio's enum names.</summary>
    private static Model.OutboundTrafficPolicyMode? OutboundTrafficPolicy(YamlMappingNode mapping)
    {
        if (Child(mapping, "outboundTrafficPolicy") is not { } node) return null;
        if (node is not YamlMappingNode policy) throw new MeshConfigException("outboundTrafficPolicy", "expected a mapping (OutboundTrafficPolicy)");
        return String(policy, "mode", MeshConfigFields.OutboundTrafficPolicyMode) switch
        {
            null => null,
            "ALLOW_ANY" => Model.OutboundTrafficPolicyMode.AllowAny,
            "REGISTRY_ONLY" => Model.OutboundTrafficPolicyMode.RegistryOnly,
            var other => throw new MeshConfigException(MeshConfigFields.OutboundTrafficPolicyMode, $"Invalid value: \"{other}\": expected ALLOW_ANY or REGISTRY_ONLY"),
        };
    }

    private static string? AccessLogEncoding(YamlMappingNode mapping) => String(mapping, "accessLogEncoding", MeshConfigFields.AccessLogEncoding) switch
    {
        null => null,
        var encoding when encoding is "TEXT" or "JSON" => encoding,
        var other => throw new MeshConfigException(MeshConfigFields.AccessLogEncoding, $"Invalid value: \"{other}\": expected TEXT or JSON"),
    };

    /// <summary>defaultConfig.tracing.sampling: a percentage, as Istio's ProxyConfig validation requires (0.0 to 100.0).</summary>
    private static double? Sampling(YamlMappingNode? defaultConfig)
    {
        if (Child(defaultConfig, "tracing") is not { } node) return null;
        if (node is not YamlMappingNode tracing) throw new MeshConfigException("defaultConfig.tracing", "expected a mapping (Tracing)");
        if (String(tracing, "sampling", MeshConfigFields.TracingSampling) is not { } text) return null;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) && percent is >= 0 and <= 100
            ? percent
            : throw new MeshConfigException(MeshConfigFields.TracingSampling, $"Invalid value: \"{text}\": expected a percentage from 0.0 to 100.0");
    }

    /// <summary>extensionProviders: each a name and one provider; an opentelemetry one becomes an OTLP endpoint.</summary>
    private static Dictionary<string, Model.TracingProvider> Providers(YamlMappingNode mapping)
    {
        var providers = new Dictionary<string, Model.TracingProvider>(StringComparer.Ordinal);
        if (Child(mapping, "extensionProviders") is not { } node) return providers;
        if (node is not YamlSequenceNode list) throw new MeshConfigException(MeshConfigFields.ExtensionProviders, "expected a list of providers");
        for (var i = 0; i < list.Children.Count; i++)
        {
            var path = $"{MeshConfigFields.ExtensionProviders}[{i}]";
            if (list.Children[i] is not YamlMappingNode provider) throw new MeshConfigException(path, "expected a mapping (ExtensionProvider)");
            var name = String(provider, "name", path + ".name") ?? throw new MeshConfigException(path + ".name", "Required value: a provider has a name");
            string? kind = null;
            foreach (var (key, _) in provider.Children)
            {
                if (key is YamlScalarNode { Value: { } field } && field != "name") kind = field;
            }

            if (kind is null) throw new MeshConfigException(path, "Required value: one provider (opentelemetry, zipkin, ...)");
            providers[name] = kind == Model.TracingProvider.OpenTelemetryKind
                ? OpenTelemetry(Child(provider, kind) as YamlMappingNode ?? throw new MeshConfigException(path + ".opentelemetry", "expected a mapping"), path + ".opentelemetry")
                : new Model.TracingProvider(kind, null);
        }

        return providers;
    }

    /// <summary>
    /// An opentelemetry provider: <c>service</c> is Istio's <c>[namespace/]host</c>, and the host is where spans go (the
    /// namespace only disambiguates Istio's registry lookup); with <c>http</c>, OTLP over HTTP to its <c>path</c>
    /// (<c>/v1/traces</c> when empty, OTLP's own), else OTLP over gRPC.
    /// </summary>
    private static Model.TracingProvider OpenTelemetry(YamlMappingNode settings, string path)
    {
        var service = String(settings, "service", path + ".service") is { Length: > 0 } written ? written
            : throw new MeshConfigException(path + ".service", "Required value: the collector's host");
        var slash = service.IndexOf('/');
        var host = slash >= 0 ? service[(slash + 1)..] : service;
        if (host.Length == 0 || host.Contains('/')) throw new MeshConfigException(path + ".service", $"Invalid value: \"{service}\": expected [namespace/]host");
        var port = String(settings, "port", path + ".port") is { } text
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= 65535
            ? number
            : throw new MeshConfigException(path + ".port", "Required value: a port from 1 to 65535");

        var unsupported = new List<string>();
        Model.OtlpHttpSettings? httpSettings = null;
        var tracesPath = "";
        foreach (var (key, value) in settings.Children)
        {
            var field = (key as YamlScalarNode)?.Value;
            if (field is "service" or "port" || IsNull(value)) continue;
            if (field != "http")
            {
                unsupported.Add(field ?? "?");
                continue;
            }

            if (value is not YamlMappingNode http) throw new MeshConfigException(path + ".http", "expected a mapping");
            tracesPath = String(http, "path", path + ".http.path") ?? "";
            var timeout = String(http, "timeout", path + ".http.timeout") is not { } timeoutText ? Model.OtlpHttpSettings.DefaultTimeout
                : IstioDuration.TryParse(timeoutText, out var duration) && duration > TimeSpan.Zero ? duration
                : throw new MeshConfigException(path + ".http.timeout", $"Invalid value: \"{timeoutText}\": expected a duration over 0 (\"3s\")");
            httpSettings = new Model.OtlpHttpSettings(timeout, Headers(http, path + ".http.headers", unsupported));
            foreach (var (httpKey, httpValue) in http.Children)
            {
                if ((httpKey as YamlScalarNode)?.Value is { } httpField && httpField is not ("path" or "timeout" or "headers") && !IsNull(httpValue)) unsupported.Add("http." + httpField);
            }
        }

        var endpoint = $"http://{host}:{port}";
        if (httpSettings is not null) endpoint += tracesPath.Length == 0 ? "/v1/traces" : tracesPath.StartsWith('/') ? tracesPath : "/" + tracesPath;
        return new Model.TracingProvider(Model.TracingProvider.OpenTelemetryKind, endpoint, httpSettings is not null, string.Join(", ", unsupported), httpSettings);
    }

    /// <summary>
    /// <c>http.headers</c>: Istio's list of <c>{name, value}</c>, added to every export. A name that is no HTTP token, or
    /// a value that cannot travel in a header, would fail every export, so it refuses the mesh config.
    /// </summary>
    private static List<KeyValuePair<string, string>> Headers(YamlMappingNode http, string path, List<string> unsupported)
    {
        var headers = new List<KeyValuePair<string, string>>();
        if (Child(http, "headers") is not { } node) return headers;
        if (node is not YamlSequenceNode list) throw new MeshConfigException(path, "expected a list of headers (name, value)");
        for (var i = 0; i < list.Children.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            if (list.Children[i] is not YamlMappingNode header) throw new MeshConfigException(itemPath, "expected a mapping (name, value)");
            var name = String(header, "name", itemPath + ".name") ?? "";
            if (!Mesh.Istio.Validation.RequestAuthenticationValidator.IsHeaderName(name)) throw new MeshConfigException(itemPath + ".name", $"Invalid value: \"{name}\": expected an HTTP header name");
            foreach (var (key, written) in header.Children)
            {
                if ((key as YamlScalarNode)?.Value is { } field && field is not ("name" or "value") && !IsNull(written)) unsupported.Add($"http.headers[{i}].{field}");
            }

            // A header whose value comes another way (newer Istio's envName) is named above and not sent half-made.
            if (String(header, "value", itemPath + ".value") is not { } value)
            {
                if (header.Children.Count > 1) continue;
                throw new MeshConfigException(itemPath + ".value", "Required value: the header's value");
            }

            if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0) throw new MeshConfigException(itemPath + ".value", "Invalid value: a header value cannot hold a line break");
            headers.Add(new(name, value));
        }

        return headers;
    }

    /// <summary>defaultConfig.proxyMetadata: names and values; a name Kubernetes refuses in every version would fail every injected pod, so it is refused here.</summary>
    private static List<KeyValuePair<string, string>>? ProxyMetadata(YamlMappingNode? defaultConfig)
    {
        if (Child(defaultConfig, "proxyMetadata") is not { } node) return null;
        if (node is not YamlMappingNode variables) throw new MeshConfigException(MeshConfigFields.ProxyMetadata, "expected a map of environment variable names to values");
        var metadata = new List<KeyValuePair<string, string>>();
        foreach (var (key, value) in variables.Children)
        {
            if (key is not YamlScalarNode { Value: { } name } || !Mesh.Istio.Validation.EnvironmentVariableNames.IsValid(name))
            {
                throw new MeshConfigException(MeshConfigFields.ProxyMetadata, $"Invalid value: \"{key}\": {Mesh.Istio.Validation.EnvironmentVariableNames.Rule}");
            }

            metadata.Add(new(name, value switch
            {
                YamlScalarNode { Value: var text } => text ?? "",
                _ => throw new MeshConfigException(FieldPaths.Field(MeshConfigFields.ProxyMetadata, name), "expected a string"),
            }));
        }

        return metadata;
    }

    private static List<string> Names(YamlNode? parent, string key, string path)
    {
        var names = new List<string>();
        if (parent is not YamlMappingNode mapping || Child(mapping, key) is not { } node) return names;
        if (node is not YamlSequenceNode list) throw new MeshConfigException(path, "expected a list of provider names");
        foreach (var item in list.Children)
        {
            names.Add(item is YamlScalarNode { Value: { } name } ? name : throw new MeshConfigException(path, "expected a list of provider names"));
        }

        return names;
    }

    /// <summary>Istio's ValidateProxyAddress: host:port, the port 1–65535.</summary>
    private static string? Address(YamlMappingNode? node, string key, string path)
    {
        if (String(node, key, path) is not { } text) return null;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new MeshConfigException(path, $"Invalid value: \"{text}\": expected host:port with a port from 1 to 65535");
        }

        return text;
    }

    private static bool IsNull(YamlNode node) => node is YamlScalarNode { Style: not (ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted) } scalar
        && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";
}
