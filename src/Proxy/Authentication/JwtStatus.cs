using System.Text;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Authentication;

/// <summary>
/// Why a token was refused, worded as Envoy's jwt_authn filter words it (its reply body), with the status code it
/// answers (401, or 403 for an audience not allowed) and the response code details its access log shows.
/// </summary>
internal sealed class JwtStatus
{
    public static readonly JwtStatus BadFormat = new("Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections");
    public static readonly JwtStatus HeaderParseError = new("Jwt header is an invalid JSON");
    public static readonly JwtStatus HeaderBadAlg = new("Jwt header [alg] field is required and must be a string");
    public static readonly JwtStatus HeaderNotImplementedAlg = new("Jwt header [alg] field value is invalid");
    public static readonly JwtStatus HeaderBadKid = new("Jwt header [kid] field is not a string");
    public static readonly JwtStatus PayloadParseError = new("Jwt payload is an invalid JSON");
    public static readonly JwtStatus IssuerNotString = new("Jwt payload [iss] field is not a string");
    public static readonly JwtStatus SubjectNotString = new("Jwt payload [sub] field is not a string");
    public static readonly JwtStatus ExpNotInteger = new("Jwt payload [exp] field is not an integer");
    public static readonly JwtStatus NbfNotInteger = new("Jwt payload [nbf] field is not an integer");
    public static readonly JwtStatus AudNotString = new("Jwt payload [aud] field is not a string or string list");
    public static readonly JwtStatus SignatureParseError = new("Jwt signature is an invalid Base64url encoded");
    public static readonly JwtStatus UnknownIssuer = new("Jwt issuer is not configured");
    public static readonly JwtStatus Expired = new("Jwt is expired");
    public static readonly JwtStatus NotYetValid = new("Jwt not yet valid");
    public static readonly JwtStatus AudienceNotAllowed = new("Audiences in Jwt are not allowed", StatusCodes.Status403Forbidden);
    public static readonly JwtStatus KidAlgMismatch = new("Jwks doesn't have key to match kid or alg from Jwt");
    public static readonly JwtStatus VerificationFail = new("Jwt verification fails");

    private JwtStatus(string message, int statusCode = StatusCodes.Status401Unauthorized)
    {
        Message = message;
        Body = Encoding.ASCII.GetBytes(message);
        StatusCode = statusCode;
        // Envoy: jwt_authn_access_denied{<message, spaces as underscores>}.
        ResponseCodeDetails = "jwt_authn_access_denied{" + message.Replace(' ', '_') + "}";
    }

    public string Message { get; }

    public byte[] Body { get; }

    public int StatusCode { get; }

    public string ResponseCodeDetails { get; }
}
