using Grpc.Core;
using Mesh.Security;

namespace Mesh.ControlPlane.Security;

/// <summary>
/// What a bearer token proved, or why it proved nothing: the identity it may ask for, the kind of credential, and who
/// presented it in words for the log ("system:serviceaccount:default:backend", "a token claiming …").
/// </summary>
/// <param name="Identity">The identity proven; null when refused.</param>
/// <param name="Status">The status a refusal ends the call with (UNAUTHENTICATED, or UNAVAILABLE when the check could not be made).</param>
internal sealed record TokenAuthentication(SpiffeId? Identity, string Credential, string Subject, StatusCode Status, string? Failure)
{
    public static TokenAuthentication Proven(SpiffeId identity, string credential, string subject) =>
        new(identity, credential, subject, StatusCode.OK, null);

    public static TokenAuthentication Refused(string credential, string subject, string failure, StatusCode status = StatusCode.Unauthenticated) =>
        new(null, credential, subject, status, failure);
}
