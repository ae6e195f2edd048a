namespace Mesh.Proxy.Observability.Metrics;

/// <summary>
/// The labels that stay the same for every request between one source and one destination through this proxy:
/// everything but response_code, grpc_response_status and response_flags. Null or empty values become <c>unknown</c>.
/// </summary>
/// <param name="Reporter"><see cref="IstioLabelValues.ReporterSource"/> on the client side, <see cref="IstioLabelValues.ReporterDestination"/> on the server side.</param>
/// <param name="DestinationService">The destination's host name, e.g. <c>reviews.default.svc.cluster.local</c>.</param>
/// <param name="ConnectionSecurityPolicy"><c>mutual_tls</c> or <c>none</c> on the server side; Istio reports <c>unknown</c> on the client side.</param>
internal sealed record RequestEdgeLabels(
    string Reporter,
    WorkloadPeer Source,
    WorkloadPeer Destination,
    string? DestinationService,
    string? DestinationServiceName,
    string? DestinationServiceNamespace,
    string RequestProtocol,
    string? ConnectionSecurityPolicy)
{
    /// <summary>The 25 request label values in Istio's order, with the three per-response slots left for the caller.</summary>
    internal string[] ToRequestValues()
    {
        var values = new string[IstioLabelNames.RequestArray.Length];
        var i = 0;
        values[i++] = IstioLabelValues.OrUnknown(Reporter);
        i = WritePeer(values, i, Source);
        i = WritePeer(values, i, Destination, includeServiceFields: true);
        values[i++] = IstioLabelValues.OrUnknown(RequestProtocol);
        values[IstioLabelNames.ResponseCodeIndex] = IstioLabelValues.Unknown;
        values[IstioLabelNames.GrpcStatusIndex] = IstioLabelValues.NoGrpcStatus;
        values[IstioLabelNames.ResponseFlagsIndex] = IstioLabelValues.NoResponseFlags;
        values[^1] = IstioLabelValues.OrUnknown(ConnectionSecurityPolicy);
        return values;
    }

    /// <summary>The 23 TCP label values in Istio's order.</summary>
    internal string[] ToTcpValues(string? responseFlags)
    {
        var request = ToRequestValues();
        request[IstioLabelNames.ResponseFlagsIndex] = string.IsNullOrEmpty(responseFlags) ? IstioLabelValues.NoResponseFlags : responseFlags;
        var tcp = new string[IstioLabelNames.TcpArray.Length];
        var j = 0;
        for (var i = 0; i < request.Length; i++)
        {
            if (i is not (IstioLabelNames.ResponseCodeIndex or IstioLabelNames.GrpcStatusIndex))
            {
                tcp[j++] = request[i];
            }
        }

        return tcp;
    }

    private int WritePeer(string[] values, int i, WorkloadPeer peer, bool includeServiceFields = false)
    {
        values[i++] = IstioLabelValues.OrUnknown(peer.Workload);
        values[i++] = IstioLabelValues.OrUnknown(peer.Namespace);
        values[i++] = IstioLabelValues.OrUnknown(peer.Principal);
        values[i++] = IstioLabelValues.OrUnknown(peer.App);
        values[i++] = IstioLabelValues.OrUnknown(peer.Version);
        if (includeServiceFields)
        {
            // Istio lists the destination service labels between destination_version and the canonical labels.
            values[i++] = IstioLabelValues.OrUnknown(DestinationService);
            values[i++] = IstioLabelValues.OrUnknown(DestinationServiceName);
            values[i++] = IstioLabelValues.OrUnknown(DestinationServiceNamespace);
        }

        values[i++] = IstioLabelValues.OrUnknown(peer.CanonicalService);
        values[i++] = IstioLabelValues.OrUnknown(peer.CanonicalRevision);
        values[i++] = IstioLabelValues.OrUnknown(peer.Cluster);
        return i;
    }
}
