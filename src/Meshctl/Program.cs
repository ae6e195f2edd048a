using System.CommandLine;
using Mesh.Meshctl.Commands;

var root = new RootCommand("meshctl: run and inspect the Mesh service mesh")
{
    DemoCommand.Create(),
    ValidateCommand.Create(),
    InstallCommand.Create(),
    UninstallCommand.Create(),
    CheckCommand.Create(),
    DashboardCommand.Create(),
    ProxyStatusCommand.Create(),
    ProxyConfigCommand.Create(),
    TlsCheckCommand.Create(),
    KubeInjectCommand.Create(),
};
// Commands that run things (demo, dashboard) handle SIGINT/SIGTERM through the cancellation token, so they can stop
// what they started before exiting; System.CommandLine's own handling would end the process after a fixed timeout.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
