using Mesh.Istio.Loading;
using Mesh.Istio.Networking;
using Mesh.Istio.Observability;
using Mesh.Istio.Security;

namespace Mesh.Istio.Validation;

/// <summary>Applies Istio's validation rules of a resource's kind to its spec, recording each violation by field path.</summary>
internal static class IstioValidator
{
    public static void Validate(IstioResource resource, FieldProblems problems)
    {
        switch (resource)
        {
            case VirtualService vs:
                VirtualServiceValidator.Validate(vs.Spec, problems);
                break;
            case DestinationRule dr:
                DestinationRuleValidator.Validate(dr.Spec, dr.Metadata.Namespace, problems);
                break;
            case Gateway gw:
                GatewayValidator.Validate(gw.Spec, problems);
                break;
            case ServiceEntry se:
                ServiceEntryValidator.Validate(se.Spec, problems);
                break;
            case Sidecar sidecar:
                SidecarValidator.Validate(sidecar.Spec, sidecar.Metadata.Namespace, problems);
                break;
            case WorkloadEntry we:
                WorkloadEntryValidator.Validate(we.Spec, problems);
                break;
            case PeerAuthentication pa:
                PeerAuthenticationValidator.Validate(pa.Spec, problems);
                break;
            case AuthorizationPolicy ap:
                AuthorizationPolicyValidator.Validate(ap.Spec, problems);
                break;
            case RequestAuthentication ra:
                RequestAuthenticationValidator.Validate(ra.Spec, problems);
                break;
            case ProxyConfig proxyConfig:
                ProxyConfigValidator.Validate(proxyConfig.Spec, problems);
                break;
            case Telemetry telemetry:
                TelemetryValidator.Validate(telemetry.Spec, problems);
                break;
        }
    }
}
