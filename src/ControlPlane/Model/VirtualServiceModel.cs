using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Model;

/// <summary>A VirtualService with its hosts resolved to FQDNs and its gateways resolved to <c>ns/name</c> (or <c>mesh</c>).</summary>
/// <param name="Gateways">Resolved; <c>mesh</c> alone when the VirtualService names none, as Istio defaults it.</param>
internal sealed record VirtualServiceModel(VirtualService Resource, IReadOnlyList<string> Hosts, IReadOnlyList<string> Gateways)
{
    public string Name => Resource.Metadata.Name;
    public string Namespace => Resource.Metadata.Namespace;
    public VirtualServiceSpec Spec => Resource.Spec;
}
