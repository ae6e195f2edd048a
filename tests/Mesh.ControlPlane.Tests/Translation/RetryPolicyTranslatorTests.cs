using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Translation;
using Mesh.Istio.Networking;
using Xunit;

namespace Mesh.ControlPlane.Tests.Translation;

public sealed class RetryPolicyTranslatorTests
{
    [Fact]
    public void Default_IsIstiosDefault_OneInstanceForEveryRoute()
    {
        var policy = RetryPolicyTranslator.Default();

        Assert.Same(policy, RetryPolicyTranslator.Default());
        Assert.Same(policy, RetryPolicyTranslator.Convert(null));
        AssertIstioDefault(policy);
    }

    [Fact]
    public void Convert_GivenPolicy_IsItsOwnAndLeavesTheSharedDefaultAsItWas()
    {
        var custom = RetryPolicyTranslator.Convert(new HttpRetry { Attempts = 5, RetryOn = "5xx,429", RetryIgnorePreviousHosts = false, PerTryTimeout = TimeSpan.FromSeconds(2) })!;
        var attemptsOnly = RetryPolicyTranslator.Convert(new HttpRetry { Attempts = 3 })!;

        Assert.Equal(5u, custom.NumRetries);
        Assert.Equal(["5xx", "retriable-status-codes"], custom.RetryOn);
        Assert.Equal([429u], custom.RetriableStatusCodes);
        Assert.False(custom.IgnorePreviousHosts);
        Assert.Equal(2000u, custom.PerTryTimeoutMs);
        Assert.Equal(3u, attemptsOnly.NumRetries);
        Assert.Equal(RetryPolicyTranslator.Default().RetryOn, attemptsOnly.RetryOn);
        Assert.NotSame(RetryPolicyTranslator.Default(), attemptsOnly);
        AssertIstioDefault(RetryPolicyTranslator.Default());
    }

    [Fact]
    public void Translation_RoutesWithAndWithoutRetries_ShareOnlyTheUnchangedDefault()
    {
        var sim = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, DemoYaml.BackendSubsets, """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: backend, namespace: default }
            spec:
              hosts: [backend]
              http:
              - match: [{ uri: { prefix: /api } }]
                route: [{ destination: { host: backend, subset: v2 } }]
                retries: { attempts: 4, retryOn: "5xx,429" }
              - route: [{ destination: { host: backend, subset: v1 } }]
            """);

        Assert.Equal(4u, sim.Request("backend:9080", "/api")!.Route.Route_.RetryPolicy.NumRetries);
        Assert.Same(RetryPolicyTranslator.Default(), sim.Request("backend:9080", "/")!.Route.Route_.RetryPolicy);
        AssertIstioDefault(RetryPolicyTranslator.Default());
    }

    [Fact]
    public void Convert_ZeroAttempts_DisablesRetries() => Assert.Null(RetryPolicyTranslator.Convert(new HttpRetry { Attempts = 0 }));

    private static void AssertIstioDefault(RetryPolicy policy)
    {
        Assert.Equal(2u, policy.NumRetries);
        Assert.Equal(["connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"], policy.RetryOn);
        Assert.Equal([503u], policy.RetriableStatusCodes);
        Assert.True(policy.IgnorePreviousHosts);
        Assert.Equal(0u, policy.PerTryTimeoutMs);
        Assert.False(policy.RetryRemoteLocalities);
    }
}
