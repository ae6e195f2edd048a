using Mesh.Contracts.Discovery;

namespace Mesh.ControlPlane.Discovery;

/// <summary>The ACK, NACK and stale-nonce rules of the discovery protocol, in one place.</summary>
internal static class DiscoveryRequestRules
{
    /// <param name="request">The request the proxy sent.</param>
    /// <param name="sent">What this stream last sent for the request's type; null when nothing was sent yet.</param>
    public static RequestKind Classify(DiscoveryRequest request, TypeSyncState? sent)
    {
        // A type we do not generate: nothing to send, nothing to record.
        if (!IsServedType(request.TypeUrl)) return RequestKind.UnknownType;

        if (request.ResponseNonce.Length == 0)
        {
            // Empty nonce and nothing sent yet on this stream: an initial subscribe (or the first request after a
            // reconnect, which is a new stream): send the type.
            // Empty nonce but already sent: we push every type after the first request without waiting to be asked,
            // so the proxy's own subscribe crossed our response on the wire; that response answers it.
            return sent?.SentNonce is null ? RequestKind.Subscribe : RequestKind.AlreadySent;
        }

        // A nonce other than the last one sent: the proxy answers a response we have since superseded (Envoy and
        // istiod ignore these); the answer to the latest response is still to come.
        if (sent?.SentNonce != request.ResponseNonce) return RequestKind.Stale;

        // The latest nonce with an error: a NACK. Record it and do not resend the same content; the proxy keeps
        // serving its last good version until the config changes.
        if (request.ErrorDetail is not null) return RequestKind.Nack;

        // The latest nonce without an error: an ACK of the version we sent.
        return RequestKind.Ack;
    }

    private static bool IsServedType(string typeUrl) =>
        typeUrl is TypeUrls.Cluster or TypeUrls.Endpoints or TypeUrls.Listener or TypeUrls.Route;
}
