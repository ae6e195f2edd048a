// The control plane's composition root: parses the command line, starts the server, prints a ready line.
using System.CommandLine;
using System.Net;
using Mesh.ControlPlane;
using Mesh.ControlPlane.Security;
using Mesh.Istio;
using Microsoft.Extensions.Logging;

var configDir = new Option<DirectoryInfo?>("--config-dir") { Description = "Folder of Istio YAML to serve and watch (with or without a cluster)" };
var meshConfig = new Option<FileInfo?>("--mesh-config") { Description = "Local mode: Istio's MeshConfig YAML (outboundTrafficPolicy.mode), watched; on a cluster the istio ConfigMap is read instead" };
// The cluster as a source: its Istio objects and its services, pods and endpoints (docs/kubernetes.md, "Reading the cluster").
var kubeconfig = new Option<FileInfo?>("--kubeconfig") { Description = "Read the cluster of this kubeconfig (its token or client certificate; exec plugins are not run)" };
var kubeContext = new Option<string?>("--kube-context") { Description = "The kubeconfig context to use (default: its current-context)" };
var inCluster = new Option<bool>("--in-cluster") { Description = "Read the cluster the control plane runs in (its service-account token and KUBERNETES_SERVICE_HOST)" };
var clusterId = new Option<string>("--cluster-id") { Description = "istiod's CLUSTER_ID, told to proxies and written into injected pods", DefaultValueFactory = _ => "Kubernetes" };
var domainSuffix = new Option<string>("--domain-suffix") { Description = "The cluster's DNS domain: a Service's host is name.namespace.svc.<suffix>", DefaultValueFactory = _ => "cluster.local" };
var systemNamespace = new Option<string>("--system-namespace") { Description = "The control plane's own namespace (default: $POD_NAMESPACE, else istio-system)", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } ns ? ns : "istio-system" };
var revision = new Option<string>("--revision") { Description = "This control plane's istio.io/rev", DefaultValueFactory = _ => "default" };
var grpcPort = new Option<int>("--grpc-port") { Description = "Discovery (gRPC, HTTP/2) port", DefaultValueFactory = _ => 15010 };
var httpPort = new Option<int>("--http-port") { Description = "Debug and readiness (HTTP/1.1) port", DefaultValueFactory = _ => 15014 };
var listen = new Option<string>("--listen") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
var debounceMs = new Option<int>("--debounce-ms") { Description = "Quiet time before a config change is pushed", DefaultValueFactory = _ => 100 };
var caDir = new Option<DirectoryInfo?>("--ca-dir") { Description = "CA folder in Istio's cacerts layout; a self-signed root is created there when empty (default: 'ca' beside the config folder)" };
var certTtl = new Option<int>("--workload-cert-ttl-seconds") { Description = "Lifetime of a workload certificate when the proxy asks for none", DefaultValueFactory = _ => 86400 };

var maxPushes = new Option<int>("--max-concurrent-pushes") { Description = "How many proxies may be generated for and pushed to at once (istiod's PILOT_PUSH_THROTTLE)", DefaultValueFactory = _ => 100 };
var maxFileBytes = new Option<long>("--max-config-file-bytes") { Description = "The largest config file read, in bytes; a larger one is rejected and its last good content serves", DefaultValueFactory = _ => ConfigInputLimits.DefaultMaxFileBytes };
var maxFileNodes = new Option<int>("--max-config-file-nodes") { Description = "The most YAML nodes one config file may hold, an alias counted as the nodes it repeats", DefaultValueFactory = _ => ConfigInputLimits.DefaultMaxNodes };
var servingTtl = new Option<int>("--serving-cert-ttl-seconds") { Description = "Lifetime of the gRPC port's own TLS certificate (istiod's identity, from the CA); reissued at 80%", DefaultValueFactory = _ => 86400 };

var jwksRefresh = new Option<int>("--jwks-refresh-seconds") { Description = "How often the key sets of RequestAuthentication jwksUri values are fetched again (istiod's PILOT_JWT_PUB_KEY_REFRESH_INTERVAL)", DefaultValueFactory = _ => 1200 };
// The admission webhooks (/inject, /validate) on their own TLS port, and the webhook configurations kept pointed at it.
var webhookPort = new Option<int>("--webhook-port") { Description = "The admission webhooks' TLS port (istiod's 15017; the istiod Service maps 443 to it); on with a cluster, or when given", DefaultValueFactory = _ => 15017 };
var webhookHosts = new Option<string[]>("--webhook-host") { Description = "More DNS names or IP addresses for the webhook certificate, besides istiod.<namespace>.svc[.<domain>] (repeatable)", AllowMultipleArgumentsPerToken = true };
var injectorConfig = new Option<string>("--injector-webhook-config") { Description = "The MutatingWebhookConfiguration whose caBundle the control plane keeps current", DefaultValueFactory = _ => "istio-sidecar-injector" };
var validatorConfig = new Option<string>("--validation-webhook-config") { Description = "The ValidatingWebhookConfiguration whose caBundle (and failurePolicy, once validation answers) the control plane keeps current", DefaultValueFactory = _ => "istio-validator-istio-system" };
var proxyImage = new Option<string>("--proxy-image") { Description = "The image injected pods run istio-proxy from (a pod's sidecar.istio.io/proxyImage annotation wins)", DefaultValueFactory = _ => Mesh.Injection.InjectionSettings.DefaultProxyImage };
var root = new RootCommand("Mesh control plane: serves Istio configuration to sidecars and gateways.") { configDir, meshConfig, grpcPort, httpPort, listen, debounceMs, caDir, certTtl, servingTtl, maxPushes, maxFileBytes, maxFileNodes, jwksRefresh,
    kubeconfig, kubeContext, inCluster, clusterId, domainSuffix, systemNamespace, revision, webhookPort, webhookHosts, injectorConfig, validatorConfig, proxyImage };
root.SetAction(async (parsed, cancellationToken) =>
{
    if (!IPAddress.TryParse(parsed.GetValue(listen), out var address))
    {
        Console.Error.WriteLine($"--listen: '{parsed.GetValue(listen)}' is not an IP address");
        return 2;
    }
    if (parsed.GetValue(kubeconfig) is not null && parsed.GetValue(inCluster))
    {
        Console.Error.WriteLine("--kubeconfig and --in-cluster: give one of them");
        return 2;
    }
    var kubernetes = parsed.GetValue(kubeconfig) is not null || parsed.GetValue(inCluster)
        ? new Mesh.ControlPlane.Kubernetes.KubernetesOptions
        {
            KubeconfigPath = parsed.GetValue(kubeconfig)?.FullName,
            Context = parsed.GetValue(kubeContext),
            ClusterId = parsed.GetValue(clusterId)!,
            DomainSuffix = parsed.GetValue(domainSuffix)!,
            SystemNamespace = parsed.GetValue(systemNamespace)!,
            Revision = parsed.GetValue(revision)!,
        }
        : null;
    if (parsed.GetValue(configDir) is null && kubernetes is null)
    {
        Console.Error.WriteLine("No config source: give --config-dir, --kubeconfig or --in-cluster (or a folder and a cluster together)");
        return 2;
    }
    if (parsed.GetValue(meshConfig) is not null && kubernetes is not null)
    {
        Console.Error.WriteLine("--mesh-config: on a cluster the mesh config is the istio ConfigMap's 'mesh' key; give the file in local mode only");
        return 2;
    }
    var debounce = TimeSpan.FromMilliseconds(Math.Max(1, parsed.GetValue(debounceMs)));
    var options = new ControlPlaneOptions
    {
        ConfigDirectory = parsed.GetValue(configDir)?.FullName,
        MeshConfigFile = parsed.GetValue(meshConfig)?.FullName,
        Kubernetes = kubernetes,
        ProxyImage = parsed.GetValue(proxyImage)!,
        ListenAddress = address,
        GrpcPort = parsed.GetValue(grpcPort),
        HttpPort = parsed.GetValue(httpPort),
        Debounce = debounce,
        MaxDebounce = debounce * 10 > TimeSpan.FromSeconds(1) ? debounce * 10 : TimeSpan.FromSeconds(1),
        // Beside the config folder, not in it: the config folder is watched for YAML.
        CaDirectory = parsed.GetValue(caDir)?.FullName ?? (parsed.GetValue(configDir) is { } folder ? Path.Combine(folder.Parent?.FullName ?? ".", "ca") : null),
        WorkloadCertificateLifetime = TimeSpan.FromSeconds(Math.Max(1, parsed.GetValue(certTtl))),
        MaxConcurrentPushes = Math.Max(1, parsed.GetValue(maxPushes)),
        ConfigLimits = new ConfigInputLimits { MaxFileBytes = Math.Max(1, parsed.GetValue(maxFileBytes)), MaxNodes = Math.Max(1, parsed.GetValue(maxFileNodes)) },
        // Discovery and signing always run over TLS from the command line: bootstrap tokens must not cross in the clear.
        ServingCertificateLifetime = TimeSpan.FromSeconds(Math.Max(2, parsed.GetValue(servingTtl))),
        Jwks = new JwksFetcherOptions { RefreshInterval = TimeSpan.FromSeconds(Math.Max(1, parsed.GetValue(jwksRefresh))) },
        // On a cluster the API server calls them; in local mode only when asked for (kube-inject needs no listener).
        Webhooks = kubernetes is not null || parsed.GetResult(webhookPort) is { Implicit: false }
            ? new Mesh.ControlPlane.Webhooks.WebhookOptions
            {
                Port = parsed.GetValue(webhookPort),
                ExtraHosts = parsed.GetValue(webhookHosts) ?? [],
                CertificateLifetime = TimeSpan.FromSeconds(Math.Max(2, parsed.GetValue(servingTtl))),
                InjectorConfigName = parsed.GetValue(injectorConfig)!,
                ValidatorConfigName = parsed.GetValue(validatorConfig)!,
            }
            : null,
    };

    ControlPlaneServer created;
    try
    {
        created = ControlPlaneServer.Create(options, TimeProvider.System, logging => logging
            .AddSimpleConsole(console => { console.SingleLine = true; console.TimestampFormat = "HH:mm:ss.fff "; })
            .SetMinimumLevel(LogLevel.Information)
            // Per-request and hosting chatter drowns the lines people read; our own ready line replaces it.
            .AddFilter("Microsoft", LogLevel.Warning)
            // Grpc.AspNetCore logs every non-OK status it sends, with a stack trace; our services log refusals in one line.
            .AddFilter("Grpc", LogLevel.Warning));
    }
    catch (InvalidDataException ex)
    {
        Console.Error.WriteLine($"Mesh control plane could not load its CA: {ex.Message}");
        return 1;
    }
    catch (k8s.Exceptions.KubeConfigException ex)
    {
        Console.Error.WriteLine($"Mesh control plane could not reach the cluster: {ex.Message}");
        return 1;
    }

    await using var server = created;
    try
    {
        await server.StartAsync(cancellationToken);
    }
    catch (Exception ex) when (ex is DirectoryNotFoundException or IOException or TimeoutException or InvalidDataException)
    {
        Console.Error.WriteLine($"Mesh control plane could not start: {ex.Message}");
        return 1;
    }
    ControlPlaneLog.Ready(server.Logger, address.ToString(), server.GrpcPort, server.HttpPort, Mesh.ControlPlane.Sources.ConfigSources.Describe(options));
    await server.WaitForShutdownAsync();
    return 0;
});
return await root.Parse(args).InvokeAsync();
