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
builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, options.Port));

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
    "{Service} {Version} listening on http://127.0.0.1:{Port}", options.Service, options.Version, options.Port));
await app.RunAsync();
return 0;
