namespace Mesh.EndToEnd.Tests.Containers;

/// <summary>
/// Who is where on the test's own network (a /24 of 10.213.0.0/16, a range few machines route): the control plane,
/// the pods, the server outside the mesh and a tools container; and the service addresses, from 240.240.0.0/16 as
/// Istio allocates them (routable nowhere, so only capture can answer them).
/// </summary>
internal sealed class ContainerPods(int subnetOctet)
{
    public const string ServiceAddressB = "240.240.0.10";
    public const string ServiceAddressEcho = "240.240.0.13";

    /// <summary>b's pods again, as a service whose port declares no protocol (detected, as an unnamed Kubernetes port).</summary>
    public const string ServiceAddressBDetected = "240.240.0.11";

    /// <summary>Every app's HTTP port (the sample app on 127.0.0.1 behind its sidecar; any address outside the mesh).</summary>
    public const int AppPort = 8080;
    public const int EchoPort = 9000;
    public const int HttpsPort = 8443;

    public const int OutboundPort = 15001, InboundCapturePort = 15006, AdminPort = 15000, MetricsPort = 15090, ReadinessPort = 15021;
    public const int DiscoveryPort = 15012, ControlPlaneHttpPort = 15014;
    public const int ProxyUid = 1337, AppUid = 1000;

    /// <summary>Istio's istio-init arguments, as its injector writes them for a pod with no capture annotations.</summary>
    public static readonly string[] CaptureArgs =
        ["-p", "15001", "-z", "15006", "-u", "1337", "-m", "REDIRECT", "-i", "*", "-x", "", "-b", "*", "-d", "15090,15021,15020"];

    public string Subnet => $"10.213.{subnetOctet}.0/24";
    public string Gateway => Address(1);
    public string ControlPlane => Address(2);
    public string A => Address(10);
    public string B1 => Address(11);
    public string B2 => Address(12);
    public string Echo => Address(13);
    public string Outside => Address(20);
    public string Tools => Address(30);

    private string Address(int host) => $"10.213.{subnetOctet}.{host}";
}
