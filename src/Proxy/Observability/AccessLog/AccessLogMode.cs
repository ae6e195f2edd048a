// Which access log lines a proxy writes to stdout.
namespace Mesh.Proxy.Observability.AccessLog;

/// <summary>Access logging per proxy (<c>--access-log</c>): none by default, Envoy's TEXT format, or its JSON variant.</summary>
internal enum AccessLogMode
{
    Off = 0,
    Text = 1,
    Json = 2,
}
