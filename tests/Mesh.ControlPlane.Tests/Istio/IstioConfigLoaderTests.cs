using Mesh.Istio;
using Mesh.Istio.Networking;
using Mesh.Istio.Security;

namespace Mesh.ControlPlane.Tests.Istio;

public sealed class IstioConfigLoaderTests
{
    private const string Reviews = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
        spec:
          hosts: [reviews]
          http:
          - match:
            - uri: {prefix: /api}
              headers:
                end-user: {exact: jason}
                x-debug: {}
            timeout: 1.5s
            retries: {attempts: 3, perTryTimeout: 100ms, retryOn: 5xx}
            route:
            - destination: {host: reviews, subset: v1, port: {number: 9080}}
              weight: 80
            - destination: {host: reviews, subset: v2}
              weight: 20
        """;

    [Fact]
    public void LoadText_VirtualService_MapsFieldsAndDefaultsNamespace()
    {
        var result = IstioConfigLoader.LoadText(Reviews, "vs.yaml");

        Assert.Empty(result.Errors);
        var vs = Assert.IsType<VirtualService>(Assert.Single(result.Resources));
        Assert.Equal("default", vs.Metadata.Namespace);
        Assert.Equal(new ConfigSource("vs.yaml", 0) { Line = 1 }, vs.Source);
        var http = Assert.Single(vs.Spec.Http);
        Assert.Equal(StringMatch.Prefix("/api"), http.Match[0].Uri);
        Assert.Equal(StringMatch.Exact("jason"), http.Match[0].Headers["end-user"]);
        Assert.Equal(StringMatchType.Present, http.Match[0].Headers["x-debug"].Type);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), http.Timeout);
        Assert.Equal(TimeSpan.FromMilliseconds(100), http.Retries!.PerTryTimeout);
        Assert.Equal(3, http.Retries.Attempts);
        Assert.Equal([80, 20], http.Route.Select(r => r.Weight));
        Assert.Equal(9080u, http.Route[0].Destination!.Port!.Number);
        Assert.Empty(vs.Spec.Tcp);
    }

    [Theory]
    [InlineData("networking.istio.io/v1")]
    [InlineData("networking.istio.io/v1beta1")]
    [InlineData("networking.istio.io/v1alpha3")]
    public void LoadText_NetworkingApiVersions_AreAllAccepted(string apiVersion)
    {
        var result = IstioConfigLoader.LoadText(Reviews.Replace("networking.istio.io/v1", apiVersion), "vs.yaml");

        Assert.Empty(result.Errors);
        Assert.Equal(apiVersion, Assert.Single(result.Resources).ApiVersion);
    }

    [Fact]
    public void LoadText_UnservedVersion_IsRejected()
    {
        var result = IstioConfigLoader.LoadText(Reviews.Replace("networking.istio.io/v1", "networking.istio.io/v2"), "vs.yaml");

        Assert.Empty(result.Resources);
        Assert.Equal("apiVersion", Assert.Single(result.Errors).FieldPath);
    }

    [Fact]
    public void LoadText_BadDocumentAmongGood_ReportsItWithItsLineAndFieldPathAndKeepsTheOthers()
    {
        var text = Reviews + "\n---\n" + Reviews.Replace("name: reviews", "name: broken").Replace("weight: 20", "weight: 120")
            + "\n---\napiVersion: v1\nkind: Service\nmetadata: {name: reviews}\n";

        var result = IstioConfigLoader.LoadText(text, "virtual-service.yaml");

        Assert.Equal("reviews", Assert.Single(result.Resources).Metadata.Name);
        var error = Assert.Single(result.Errors);
        Assert.Equal(1, error.DocumentIndex);
        Assert.Equal("spec.http[0].route[1].weight", error.FieldPath);
        // The second document starts on line 21, after the first one's 19 lines and the "---".
        Assert.Equal(
            "virtual-service.yaml:21:1: VirtualService default/broken: spec.http[0].route[1].weight: Invalid value: 120: weight must be between 0 and 100",
            error.ToString());
    }

    [Fact]
    public void LoadText_YamlSyntaxError_CarriesLineAndColumnAndKeepsEarlierDocuments()
    {
        var result = IstioConfigLoader.LoadText(Reviews + "\n---\nkind: VirtualService\nmetadata:\n  name: x\n name: y\n", "bad.yaml");

        Assert.Single(result.Resources);
        var error = Assert.Single(result.Errors);
        Assert.Equal(24, error.Line); // YamlDotNet places the error at the start of the mapping it could not finish
        Assert.NotNull(error.Column);
        Assert.StartsWith("bad.yaml:24:", error.ToString());
    }

    [Fact]
    public void LoadText_MalformedScalarTheScannerCannotPlace_IsReportedNotThrown()
    {
        var result = IstioConfigLoader.LoadText(Reviews + "\n---\nkind: VirtualService\nmetadata: {name: x\nspec: {}\n", "bad.yaml");

        Assert.Single(result.Resources);
        Assert.Contains("YAML syntax error", Assert.Single(result.Errors).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadText_UnknownField_IsAWarningWithItsPath()
    {
        var result = IstioConfigLoader.LoadText(Reviews.Replace("timeout: 1.5s", "timeout: 1.5s\n    per_try_timeout: 2s"), "vs.yaml");

        Assert.Empty(result.Errors);
        Assert.Single(result.Resources);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("spec.http[0].per_try_timeout", warning.FieldPath);
    }

    [Fact]
    public void LoadText_ListAndJsonArray_LoadEveryItem()
    {
        const string list = """
            {"apiVersion": "v1", "kind": "List", "items": [
              {"apiVersion": "security.istio.io/v1beta1", "kind": "PeerAuthentication", "metadata": {"name": "strict", "namespace": "prod"}, "spec": {"mtls": {"mode": "STRICT"}}},
              {"apiVersion": "networking.istio.io/v1", "kind": "WorkloadEntry", "metadata": {"name": "vm"}, "spec": {"address": "10.0.0.1", "ports": {"http": 8080}}}
            ]}
            """;
        const string array = """[{"apiVersion": "networking.istio.io/v1", "kind": "WorkloadEntry", "metadata": {"name": "vm"}, "spec": {"address": "unix://@foo"}}]""";

        var fromList = IstioConfigLoader.LoadText(list, "list.json");
        var fromArray = IstioConfigLoader.LoadText(array, "array.json");

        Assert.Empty(fromList.Errors);
        var peer = Assert.IsType<PeerAuthentication>(fromList.Resources[0]);
        Assert.Equal(MutualTlsMode.Strict, peer.Spec.Mtls!.Mode);
        Assert.Equal("prod", peer.Metadata.Namespace);
        Assert.Equal(1, fromList.Resources[1].Source.ItemIndex);
        Assert.Equal(8080u, Assert.IsType<WorkloadEntry>(fromList.Resources[1]).Spec.Ports["http"]);
        Assert.Empty(fromArray.Errors);
        Assert.Single(fromArray.Resources);
    }

    [Fact]
    public void LoadText_PortLevelMtls_KeysBecomePortNumbers()
    {
        const string text = """
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: {name: p}
            spec:
              selector: {matchLabels: {app: a}}
              portLevelMtls: {"8080": {mode: DISABLE}}
            """;

        var peer = Assert.IsType<PeerAuthentication>(Assert.Single(IstioConfigLoader.LoadText(text, "pa.yaml").Resources));

        Assert.Equal(MutualTlsMode.Disable, peer.Spec.PortLevelMtls[8080].Mode);
    }

    [Theory]
    [InlineData("timeout: 0.5ms", "spec.http[0].timeout", "duration must be greater than 1ms")]
    [InlineData("timeout: soon", "spec.http[0].timeout", "invalid duration")]
    [InlineData("timeout: 1.5s\n    redirect: {uri: /x}", "spec.http[0]", "more than one of route, redirect or direct_response")]
    [InlineData("prefix: /api", "spec.http[0].match[0].uri.regex", "not a valid RE2 regex")]
    public void LoadText_InvalidHttpRoute_IsRejectedWithIstiosReason(string replacement, string fieldPath, string reason)
    {
        var text = replacement.StartsWith("prefix", StringComparison.Ordinal)
            ? Reviews.Replace(replacement, "regex: '(?=a)b'")
            : Reviews.Replace("timeout: 1.5s", replacement);

        var result = IstioConfigLoader.LoadText(text, "vs.yaml");

        Assert.Empty(result.Resources);
        Assert.Contains(result.Errors, e => e.FieldPath == fieldPath && e.Reason.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void LoadDirectory_ReadsYamlYmlAndJsonRecursivelyInOrder()
    {
        var directory = Directory.CreateTempSubdirectory("mesh-config-");
        try
        {
            Directory.CreateDirectory(Path.Combine(directory.FullName, "sub"));
            File.WriteAllText(Path.Combine(directory.FullName, "b.yml"), Reviews.Replace("name: reviews", "name: b"));
            File.WriteAllText(Path.Combine(directory.FullName, "sub", "c.yaml"), Reviews.Replace("name: reviews", "name: c"));
            File.WriteAllText(Path.Combine(directory.FullName, "a.json"), """{"apiVersion": "networking.istio.io/v1", "kind": "WorkloadEntry", "metadata": {"name": "a"}, "spec": {"address": "1.2.3.4"}}""");
            File.WriteAllText(Path.Combine(directory.FullName, "notes.txt"), "not config");

            var result = IstioConfigLoader.LoadDirectory(directory.FullName);

            Assert.Empty(result.Errors);
            Assert.Equal(["a", "b", "c"], result.Resources.Select(r => r.Metadata.Name));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("1h2m", 3720000)]
    [InlineData("300s", 300000)]
    [InlineData("1.5s", 1500)]
    [InlineData("100ms", 100)]
    public void TryParse_GoDurations_Parse(string text, int milliseconds)
    {
        Assert.True(IstioDuration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5 s")]
    [InlineData("1d")]
    public void TryParse_Malformed_Fails(string text) => Assert.False(IstioDuration.TryParse(text, out _));

    [Fact]
    public void LoadText_ContentHash_SameForTheSameTextWhereverItStandsAndDiffersForAnEdit()
    {
        var ratings = Reviews.Replace("name: reviews", "name: ratings", StringComparison.Ordinal);

        var alone = IstioConfigLoader.LoadText(Reviews, "a.yaml").Resources;
        var second = IstioConfigLoader.LoadText(ratings + "\n---\n" + Reviews, "b.yaml").Resources;
        var edited = IstioConfigLoader.LoadText(Reviews.Replace("weight: 80", "weight: 70", StringComparison.Ordinal).Replace("weight: 20", "weight: 30", StringComparison.Ordinal), "a.yaml").Resources;

        Assert.Equal(64, alone[0].ContentHash.Length);
        Assert.Equal(alone[0].ContentHash, second[1].ContentHash);
        Assert.NotEqual(second[0].ContentHash, second[1].ContentHash);
        Assert.NotEqual(alone[0].ContentHash, edited[0].ContentHash);
    }

    [Theory]
    [InlineData("\n---\n")]
    [InlineData("\n\n--- # ratings\n")]
    [InlineData("\n...\n---\n")]
    [InlineData("\n---\n\n")]
    public void LoadText_ContentHash_ADocumentAppended_TheOneBeforeKeepsItsHash(string separator)
    {
        var ratings = Reviews.Replace("name: reviews", "name: ratings", StringComparison.Ordinal);

        var before = IstioConfigLoader.LoadText(Reviews + "\n", "a.yaml").Resources;
        var after = IstioConfigLoader.LoadText(Reviews + separator + ratings + "\n", "a.yaml").Resources;

        Assert.Equal(before[0].ContentHash, after[0].ContentHash);
        Assert.Equal(["reviews", "ratings"], after.Select(r => r.Metadata.Name));
    }

    [Theory]
    [InlineData("150", true)]
    [InlineData("-1", true)]
    [InlineData("25", false)]
    public void LoadText_RetryBudgetPercent_OutsideZeroToHundredRejected(string percent, bool rejected)
    {
        var result = LoadSubsetTrafficPolicy($"{{ retryBudget: {{ percent: {percent} }} }}");

        Assert.Equal(rejected ? ["spec.subsets[0].trafficPolicy.retryBudget.percent"] : [], result.Errors.Select(e => e.FieldPath));
    }

    [Fact]
    public void LoadText_GatewayClientCertificateChecks_MalformedPinsRejectedAndSimpleWarned()
    {
        var result = IstioConfigLoader.LoadText("""
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: secure, namespace: default }
            spec:
              servers:
              - port: { number: 443, name: https-a, protocol: HTTPS }
                hosts: [a.example.com]
                tls: { mode: MUTUAL, credentialName: a, verifyCertificateSpki: [bm90LWEtaGFzaA==], verifyCertificateHash: ["ab:cd"] }
              - port: { number: 443, name: https-b, protocol: HTTPS }
                hosts: [b.example.com]
                tls: { mode: SIMPLE, credentialName: b, subjectAltNames: [client.example.com], cipherSuites: [ECDHE-RSA-AES128-GCM-SHA256, RC4-MD5] }
            """, "gw.yaml");

        Assert.Equal(
            ["spec.servers[0].tls.verifyCertificateSpki[0]", "spec.servers[0].tls.verifyCertificateHash[0]"],
            result.Errors.Select(e => e.FieldPath));
        Assert.Equal(["spec.servers[1].tls.subjectAltNames", "spec.servers[1].tls.cipherSuites[1]"], result.Warnings.Select(w => w.FieldPath));
        Assert.Contains("has no effect in this mesh with mode SIMPLE", result.Warnings[0].Reason, StringComparison.Ordinal);
        Assert.Contains("RC4-MD5 is not a TLS 1.2 cipher suite", result.Warnings[1].Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ tls: { mode: MUTUAL, credentialName: client } }", false)]
    [InlineData("{ tls: { mode: SIMPLE, credentialName: client, caCrl: /etc/ca.crl } }", true)]
    [InlineData("{ tls: { mode: MUTUAL, credentialName: client, caCertificates: /etc/ca.pem } }", true)]
    [InlineData("{ tls: { mode: MUTUAL, clientCertificate: /etc/c.pem, privateKey: /etc/c.key, caCrl: /etc/ca.crl } }", false)]
    public void LoadText_CredentialNameBesideFiles_Rejected(string trafficPolicy, bool rejected)
    {
        var result = LoadSubsetTrafficPolicy(trafficPolicy);

        Assert.Equal(rejected ? ["spec.subsets[0].trafficPolicy.tls"] : [], result.Errors.Select(e => e.FieldPath));
    }

    [Theory]
    [InlineData("ISTIO_MUTUAL", true)]   // Istio ignores it there: the peer's identity is always verified
    [InlineData("SIMPLE", false)]        // where it takes effect
    public void LoadText_InsecureSkipVerify_AWarningUnderIstioMutualOnly(string mode, bool warned)
    {
        var result = LoadSubsetTrafficPolicy($"{{ tls: {{ mode: {mode}, insecureSkipVerify: true }} }}");

        Assert.Empty(result.Errors);
        Assert.Equal(warned ? ["spec.subsets[0].trafficPolicy.tls.insecureSkipVerify"] : [], result.Warnings.Select(w => w.FieldPath));
        Assert.All(result.Warnings, w => Assert.Contains("has no effect in this mesh (nor in Istio) with mode ISTIO_MUTUAL", w.Reason, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("workloadSelector: { matchLabels: { app: ratings } }", new string[0], new string[0])]
    [InlineData("workloadSelector: { matchLabels: { app: ratings } }\n  exportTo: [.]", new string[0], new string[0])]
    [InlineData("workloadSelector: { matchLabels: { app: ratings } }\n  exportTo: [default]", new string[0], new string[0])]
    [InlineData("workloadSelector: { matchLabels: { app: ratings } }\n  exportTo: ['*']", new[] { "spec.exportTo" }, new string[0])]
    [InlineData("workloadSelector: { matchLabels: { app: ratings } }\n  exportTo: [., other]", new[] { "spec.exportTo" }, new string[0])]
    [InlineData("workloadSelector: { matchLabels: { app: 'rat*' } }", new[] { "spec.workloadSelector.matchLabels[app]" }, new string[0])]
    [InlineData("workloadSelector: {}", new string[0], new[] { "spec.workloadSelector" })]
    public void LoadText_DestinationRuleWorkloadSelector_OwnNamespaceOnlyAndLabelsExpected(string fields, string[] errors, string[] warnings)
    {
        var result = IstioConfigLoader.LoadText($$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews-from-ratings, namespace: default }
            spec:
              host: reviews
              {{fields}}
              trafficPolicy: { loadBalancer: { simple: RANDOM } }
            """, "dr.yaml");

        Assert.Equal(errors, result.Errors.Select(e => e.FieldPath));
        Assert.Equal(warnings, result.Warnings.Select(w => w.FieldPath));
    }

    /// <summary>A DestinationRule for reviews whose subset v1 has <paramref name="trafficPolicy"/> (flow style).</summary>
    private static ConfigLoadResult LoadSubsetTrafficPolicy(string trafficPolicy) => IstioConfigLoader.LoadText($$"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: reviews, namespace: default }
        spec:
          host: reviews
          subsets:
          - { name: v1, labels: { version: v1 }, trafficPolicy: {{trafficPolicy}} }
        """, "dr.yaml");

    [Theory]
    [InlineData("{ delay: { exponentialDelay: 1s, percentage: { value: 100 } } }", "spec.http[0].fault.delay.exponentialDelay")]
    [InlineData("{ abort: { http2Error: REFUSED_STREAM, percentage: { value: 100 } } }", "spec.http[0].fault.abort.http2Error")]
    public void LoadText_FaultIstioDoesNotInject_IsAWarningSayingItHasNoEffect(string fault, string fieldPath)
    {
        var result = IstioConfigLoader.LoadText(VirtualServiceYaml.BackendRoute($"fault: {fault}"), "vs.yaml");

        Assert.Empty(result.Errors);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal(fieldPath, warning.FieldPath);
        Assert.Contains("has no effect in this mesh", warning.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadText_FaultUnknownGrpcStatus_IsAnError()
    {
        var result = IstioConfigLoader.LoadText(VirtualServiceYaml.BackendRoute("fault: { abort: { grpcStatus: NOPE, percentage: { value: 100 } } }"), "vs.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal("spec.http[0].fault.abort.grpcStatus", error.FieldPath);
        Assert.StartsWith("Invalid value: \"NOPE\": invalid abort grpc status", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadText_LocalOriginFailuresWithoutSplit_IsAnError()
    {
        var result = IstioConfigLoader.LoadText("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: backend, namespace: default }
            spec:
              host: backend
              trafficPolicy:
                outlierDetection: { consecutiveLocalOriginFailures: 3 }
            """, "dr.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal("spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures", error.FieldPath);
        Assert.Contains("split external local origin errors is set to false", error.Reason, StringComparison.Ordinal);
    }
}
