using Microsoft.AspNetCore.Connections;
using Mesh.SampleApp;

SampleAppOptions options;
try
{
    options = SampleAppOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"Mesh.SampleApp: {e.Message}");
    Console.Error.WriteLine(SampleAppOptions.Usage);
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
if (options.HttpsPort != 0)
{
    // The slim builder leaves Kestrel's TLS out unless asked for.
    builder.WebHost.UseKestrelHttpsConfiguration();
}

builder.WebHost.ConfigureKestrel(k =>
{
    k.Listen(options.Listen, options.Port);
    if (options.TcpEchoPort != 0)
    {
        k.Listen(options.Listen, options.TcpEchoPort, l => l.UseConnectionHandler<TcpEcho>());
    }

    if (options.HttpsPort != 0)
    {
        k.Listen(options.Listen, options.HttpsPort, l => l.UseHttps(SelfSignedCertificate.Create(options.Service)));
    }
});

// Upstream calls leave through the sidecar: HttpClient's default proxy honours HTTP_PROXY, as most apps do.
builder.Services.AddSingleton(new HttpClient { Timeout = TimeSpan.FromSeconds(30) });
builder.Services.AddSingleton(options);
builder.Services.AddSingleton(new FailureSchedule(options.FailPercent));
builder.Services.AddSingleton<SampleHandler>();

var app = builder.Build();
var handler = app.Services.GetRequiredService<SampleHandler>();
app.UseWebSockets();
app.Run(handler.HandleAsync);
app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
    "{Service} {Version} listening on http://{Address}:{Port} (TCP echo {TcpEchoPort}, HTTPS {HttpsPort}; 0: none)",
    options.Service, options.Version, options.Listen, options.Port, options.TcpEchoPort, options.HttpsPort));
await app.RunAsync();
return 0;
