using Mesh.Meshctl.Commands;

namespace Mesh.EndToEnd.Tests.Meshctl;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("meshctl-validate-").FullName;

    [Fact]
    public void Run_InvalidWeight_PrintsFileResourceFieldAndReasonAndFails()
    {
        File.WriteAllText(Path.Combine(_dir, "vs.yaml"), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: reviews, subset: v1}
                  weight: 180
            """);
        var output = new StringWriter();

        var exit = ValidateCommand.Run([_dir], output);

        Assert.Equal(1, exit);
        Assert.Contains("vs.yaml:1:1: VirtualService default/reviews: spec.http[0].route[0].weight:", output.ToString());
    }

    [Fact]
    public void Run_ValidFileAndMissingPath_ReportsTheMissingOne()
    {
        File.WriteAllText(Path.Combine(_dir, "dr.yaml"), """
            apiVersion: networking.istio.io/v1beta1
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
            """);
        var output = new StringWriter();

        var exit = ValidateCommand.Run([Path.Combine(_dir, "dr.yaml"), Path.Combine(_dir, "absent.yaml")], output);

        Assert.Equal(1, exit);
        Assert.Contains("absent.yaml: no such file or folder", output.ToString());
        Assert.Contains("1 resources valid", output.ToString());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
