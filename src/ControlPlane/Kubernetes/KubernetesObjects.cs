using k8s.Models;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// The Kubernetes objects the service registry is built from, as the informers' caches hold them at one moment. The
/// objects are shared with the caches and are only read.
/// </summary>
/// <param name="EndpointSlices">discovery.k8s.io/v1 slices; each names its Service by the <c>kubernetes.io/service-name</c> label.</param>
/// <param name="Namespaces">Listed for completeness of the snapshot; the registry itself reads none of their fields today.</param>
/// <param name="Nodes">Read for their topology labels, which give the pods on them their locality.</param>
internal sealed record KubernetesObjects(
    IReadOnlyList<V1Service> Services,
    IReadOnlyList<V1EndpointSlice> EndpointSlices,
    IReadOnlyList<V1Pod> Pods,
    IReadOnlyList<V1Namespace> Namespaces,
    IReadOnlyList<V1Node> Nodes);
