using Mesh.Contracts.Discovery;

namespace Mesh.Proxy.Model;

/// <summary>A compiled route: its match and exactly one action (forward, redirect or direct response), with route-level header operations.</summary>
internal sealed class RouteModel(
    string name,
    RouteOrigin? origin,
    RouteMatchModel match,
    ForwardActionModel? forward,
    RedirectModel? redirect,
    DirectResponseModel? directResponse,
    HeaderOperationsModel requestHeaders,
    HeaderOperationsModel responseHeaders)
{
    public string Name { get; } = name;

    public RouteOrigin? Origin { get; } = origin;

    public RouteMatchModel Match { get; } = match;

    public ForwardActionModel? Forward { get; } = forward;

    public RedirectModel? Redirect { get; } = redirect;

    public DirectResponseModel? DirectResponse { get; } = directResponse;

    public HeaderOperationsModel RequestHeaders { get; } = requestHeaders;

    public HeaderOperationsModel ResponseHeaders { get; } = responseHeaders;
}
