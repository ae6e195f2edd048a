using System.CommandLine;
using Mesh.Meshctl.Commands;

var root = new RootCommand("meshctl: run and inspect the Mesh service mesh")
{
    DemoCommand.Create(),
    ValidateCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
