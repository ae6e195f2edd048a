using k8s;
using k8s.Models;
using Mesh.ControlPlane.Kubernetes;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Tests.Kubernetes;

/// <summary>The served Ingresses' status.loadBalancer.ingress, as Istio's ingress status syncer writes it.</summary>
public sealed class IngressStatusTests
{
    private const string System = "istio-system";

    [Fact]
    public async Task ServedIngressStatus_FollowsTheIngressServicesLoadBalancer_AndAnotherClassIsUntouched()
    {
        await using var cluster = await ClusterFixture.StartAsync();
        var client = cluster.Client;
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = System } });
        var service = await client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "istio-ingressgateway", NamespaceProperty = System },
            Spec = new V1ServiceSpec
            {
                Type = "LoadBalancer",
                Selector = new Dictionary<string, string> { ["istio"] = "ingressgateway" },
                Ports = [new V1ServicePort { Name = "http2", Port = 80, TargetPort = 8080 }],
            },
        }, System);
        await SetLoadBalancerAsync(client, service, new V1LoadBalancerIngress { Ip = "203.0.113.10" });
        await client.NetworkingV1.CreateIngressClassAsync(Class("istio", "istio.io/ingress-controller"));
        await client.NetworkingV1.CreateIngressClassAsync(Class("nginx", "k8s.io/ingress-nginx"));
        await client.NetworkingV1.CreateNamespacedIngressAsync(Ingress("served", "istio"), "default");
        var other = await client.NetworkingV1.CreateNamespacedIngressAsync(Ingress("other", "nginx"), "default");
        other.Status = new V1IngressStatus { LoadBalancer = new V1IngressLoadBalancerStatus { Ingress = [new V1IngressLoadBalancerIngress { Ip = "198.51.100.7" }] } };
        other = await client.NetworkingV1.ReplaceNamespacedIngressStatusAsync(other, "other", "default");

        using var source = cluster.CreateSource();
        source.Start();
        await Eventually.TrueAsync(async () => await StatusAsync(client, "served") == "ip 203.0.113.10", "the served Ingress shows the load balancer's IP");

        // The load balancer moves to a hostname: the status follows, the IP goes.
        service = await client.CoreV1.ReadNamespacedServiceAsync("istio-ingressgateway", System);
        await SetLoadBalancerAsync(client, service, new V1LoadBalancerIngress { Hostname = "lb.example.com" });
        await Eventually.TrueAsync(async () => await StatusAsync(client, "served") == "hostname lb.example.com", "the served Ingress follows the new address");

        // Written once per change: a status already right is not written again.
        await source.IngressStatus.Pending;
        var version = (await client.NetworkingV1.ReadNamespacedIngressAsync("served", "default")).Metadata.ResourceVersion;
        var syncs = source.IngressStatus.Syncs;
        service = await client.CoreV1.ReadNamespacedServiceAsync("istio-ingressgateway", System);
        service.Metadata.Labels = new Dictionary<string, string> { ["touched"] = "yes" };
        await client.CoreV1.ReplaceNamespacedServiceAsync(service, "istio-ingressgateway", System);
        await Eventually.TrueAsync(() => source.IngressStatus.Syncs > syncs, "the Service's edit looked at");
        await source.IngressStatus.Pending;
        Assert.Equal(version, (await client.NetworkingV1.ReadNamespacedIngressAsync("served", "default")).Metadata.ResourceVersion);

        // Another class's Ingress keeps the status its own controller wrote.
        Assert.Equal("ip 198.51.100.7", await StatusAsync(client, "other"));
        Assert.Equal(other.Metadata.ResourceVersion, (await client.NetworkingV1.ReadNamespacedIngressAsync("other", "default")).Metadata.ResourceVersion);
        Assert.DoesNotContain(cluster.Logs.Lines, line => line.EventId == 500);
    }

    [Fact]
    public void Addresses_LoadBalancerThenExternalIPs_ExternalNameAlone_NoServiceNone()
    {
        var service = new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "istio-ingressgateway", NamespaceProperty = System },
            Spec = new V1ServiceSpec { Type = "LoadBalancer", ExternalIPs = ["192.0.2.5"] },
            Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new() { Hostname = "lb.example.com" }, new() { Ip = "203.0.113.10" }] } },
        };
        Assert.Equal(["lb.example.com", "203.0.113.10", "192.0.2.5"], Addresses(IngressSettings.Default, service));

        // No load balancer address yet (kind, minikube without tunnel): no node fallback while ingressService is set.
        service.Status = new V1ServiceStatus();
        service.Spec.ExternalIPs = null;
        Assert.Empty(Addresses(IngressSettings.Default, service, GatewayPod("node-a")));

        service.Spec = new V1ServiceSpec { Type = "ExternalName", ExternalName = "gateway.example.com", ExternalIPs = ["192.0.2.5"] };
        Assert.Equal(["gateway.example.com"], Addresses(IngressSettings.Default, service));
        Assert.Empty(Addresses(IngressSettings.Default, service: null));

        var status = IngressStatusWriter.ToStatus(["203.0.113.10", "lb.example.com", "192.0.2.5"]);
        Assert.Equal(["192.0.2.5", "203.0.113.10", "lb.example.com"], status.Select(s => s.Ip ?? s.Hostname));
        Assert.Null(status[2].Ip);
    }

    [Fact]
    public void Addresses_WithoutIngressService_AreTheExternalIPsOfTheRunningGatewayPodsNodes()
    {
        var settings = IngressSettings.Default with { IngressService = "" };
        var pending = GatewayPod("node-c");
        pending.Status.Phase = "Pending";
        var app = GatewayPod("node-c");
        app.Metadata.Labels = new Dictionary<string, string> { ["app"] = "reviews" };
        var elsewhere = GatewayPod("node-c");
        elsewhere.Metadata.NamespaceProperty = "default";

        Assert.Equal(["198.51.100.1", "198.51.100.2"],
            Addresses(settings, service: null, GatewayPod("node-a"), GatewayPod("node-b"), GatewayPod("node-a"), pending, app, elsewhere, GatewayPod("gone")));
        Assert.Equal(["198.51.100.1"], Addresses(settings with { IngressSelector = "custom" }, service: null, GatewayPod("node-a", "custom"), GatewayPod("node-b")));
    }

    private static List<string> Addresses(IngressSettings settings, V1Service? service, params V1Pod[] pods)
    {
        var nodes = new Dictionary<string, V1Node>
        {
            ["node-a"] = Node("node-a", Address("ExternalIP", "198.51.100.1"), Address("InternalIP", "10.0.0.1")),
            ["node-b"] = Node("node-b", Address("InternalIP", "10.0.0.2"), Address("ExternalIP", "198.51.100.2")),
            ["node-c"] = Node("node-c", Address("ExternalIP", "198.51.100.3")),
        };
        return IngressStatusWriter.Addresses(settings, System, (ns, name) => ns == System && name == service?.Metadata.Name ? service : null, pods,
            name => nodes.GetValueOrDefault(name));
    }

    private static V1Pod GatewayPod(string node, string selector = "ingressgateway") => new()
    {
        Metadata = new V1ObjectMeta { Name = $"gateway-{node}", NamespaceProperty = System, Labels = new Dictionary<string, string> { ["istio"] = selector } },
        Spec = new V1PodSpec { NodeName = node },
        Status = new V1PodStatus { Phase = "Running" },
    };

    private static V1NodeAddress Address(string type, string address) => new() { Type = type, Address = address };

    private static V1Node Node(string name, params V1NodeAddress[] addresses) =>
        new() { Metadata = new V1ObjectMeta { Name = name }, Status = new V1NodeStatus { Addresses = addresses } };

    private static async Task SetLoadBalancerAsync(IKubernetes client, V1Service service, V1LoadBalancerIngress address)
    {
        service.Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [address] } };
        await client.CoreV1.ReplaceNamespacedServiceStatusAsync(service, service.Metadata.Name, System);
    }

    private static V1IngressClass Class(string name, string controller) =>
        new() { Metadata = new V1ObjectMeta { Name = name }, Spec = new V1IngressClassSpec { Controller = controller } };

    private static V1Ingress Ingress(string name, string className) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1IngressSpec
        {
            IngressClassName = className,
            Rules =
            [
                new V1IngressRule
                {
                    Host = $"{name}.example.com",
                    Http = new V1HTTPIngressRuleValue
                    {
                        Paths = [new V1HTTPIngressPath { Path = "/", PathType = "Prefix", Backend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = "app", Port = new V1ServiceBackendPort { Number = 80 } } } }],
                    },
                },
            ],
        },
    };

    private static async Task<string> StatusAsync(IKubernetes client, string name)
    {
        var ingress = await client.NetworkingV1.ReadNamespacedIngressAsync(name, "default");
        var entries = ingress.Status?.LoadBalancer?.Ingress ?? [];
        return string.Join(",", entries.Select(e => e.Ip is { Length: > 0 } ip ? $"ip {ip}" : $"hostname {e.Hostname}"));
    }
}
