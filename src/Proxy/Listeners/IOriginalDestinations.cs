using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Mesh.Proxy.Listeners;

/// <summary>
/// Where an accepted connection was going before iptables redirected it to the proxy. The kernel's answer
/// (<see cref="SocketOriginalDestinations"/>) needs NAT; tests put their own answer in its place.
/// </summary>
internal interface IOriginalDestinations
{
    /// <summary>The original destination; null when the connection was not redirected (a direct client) or it cannot be read.</summary>
    IPEndPoint? Find(ConnectionContext connection);
}
