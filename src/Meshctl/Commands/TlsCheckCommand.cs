using System.CommandLine;

namespace Mesh.Meshctl.Commands;

/// <summary>`meshctl tls-check`: reads the source proxy's and the destination proxies' admin endpoints and prints, per cluster and endpoint, whether traffic is mTLS and who the peer is.</summary>
internal static class TlsCheckCommand
{
    public static Command Create()
    {
        var from = new Option<Uri>("--from") { CustomParser = result => UriParsing.One(result)!, Description = "Admin address of the client proxy (its --admin-port)", Required = true };
        var to = new Option<Uri[]>("--to") { CustomParser = UriParsing.Many, Description = "Admin addresses of the destination proxies (repeatable)", AllowMultipleArgumentsPerToken = true };
        var host = new Argument<string?>("host") { Description = "Only clusters of this service host (e.g. backend.default.svc.cluster.local)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("tls-check", "Is traffic from a proxy to its destinations mutual TLS, and who is the peer?") { from, to, host };
        command.SetAction(async (result, cancellationToken) =>
        {
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
            try
            {
                var source = await client.GetStringAsync(new Uri(result.GetValue(from)!, "/config_dump"), cancellationToken);
                var peers = new List<TlsCheck.Peer>();
                foreach (var admin in result.GetValue(to) ?? [])
                {
                    peers.Add(new TlsCheck.Peer(
                        await client.GetStringAsync(new Uri(admin, "/config_dump"), cancellationToken),
                        await client.GetStringAsync(new Uri(admin, "/certs"), cancellationToken)));
                }

                Console.Write(TlsCheck.Render(source, peers, result.GetValue(host)));
                return 0;
            }
            catch (HttpRequestException e)
            {
                Console.Error.WriteLine($"meshctl tls-check: cannot read a proxy's admin endpoint: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
