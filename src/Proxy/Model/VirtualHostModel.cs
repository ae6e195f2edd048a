using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Model;

/// <summary>A compiled virtual host: its routes, tried in order, the first match winning.</summary>
internal sealed class VirtualHostModel(string name, RouteModel[] routes)
{
    public string Name { get; } = name;

    public RouteModel[] Routes { get; } = routes;

    public RouteModel? FindRoute(HttpRequest request)
    {
        foreach (var route in Routes)
        {
            if (route.Match.Matches(request))
            {
                return route;
            }
        }

        return null;
    }
}
