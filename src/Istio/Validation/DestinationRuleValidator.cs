using Mesh.Istio.Loading;
using Mesh.Istio.Networking;

namespace Mesh.Istio.Validation;

/// <summary>Istio's validateDestinationRule: host, subsets, and every traffic policy (load balancer incl. warmup, pools, outlier detection, TLS).</summary>
internal static class DestinationRuleValidator
{
    public static void Validate(DestinationRuleSpec spec, string ns, FieldProblems p)
    {
        if (spec.Host.Length == 0)
        {
            p.Error("spec.host", "Required value: host is required");
        }
        else if (IstioNameRules.CheckWildcardDomain(spec.Host) is { } error)
        {
            p.Error("spec.host", $"Invalid value: \"{spec.Host}\": {error}");
        }

        TrafficPolicy(spec.TrafficPolicy, "spec.trafficPolicy", p);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Subsets.Count; i++)
        {
            var subset = spec.Subsets[i];
            var path = FieldPaths.Index("spec.subsets", i);
            if (!IstioNameRules.IsDns1123Label(subset.Name))
            {
                p.Error(FieldPaths.Field(path, "name"), $"Invalid value: \"{subset.Name}\": subset name is invalid: {IstioNameRules.Dns1123LabelMessage}");
            }
            else if (!names.Add(subset.Name))
            {
                p.Error(FieldPaths.Field(path, "name"), $"Duplicate value: \"{subset.Name}\": duplicate subset names");
            }

            CommonRules.Labels(subset.Labels, FieldPaths.Field(path, "labels"), p);
            TrafficPolicy(subset.TrafficPolicy, FieldPaths.Field(path, "trafficPolicy"), p);
        }

        CommonRules.ExportTo(spec.ExportTo, "spec.exportTo", p);
        if (spec.WorkloadSelector is { } selector)
        {
            if (selector.MatchLabels.Count == 0)
            {
                p.Warning("spec.workloadSelector", "workload selector specified without labels");
            }

            CommonRules.Selector(selector.MatchLabels, "spec.workloadSelector.matchLabels", p);
            SelectorExportTo(spec.ExportTo, ns, p);
        }
    }

    /// <summary>A rule with a workloadSelector applies in its own namespace only, so it may be exported there alone.</summary>
    private static void SelectorExportTo(IReadOnlyList<string> exportTo, string ns, FieldProblems p)
    {
        if (exportTo.Count == 0)
        {
            return;
        }

        var toOwnNamespace = false;
        foreach (var value in exportTo)
        {
            toOwnNamespace |= value == "." || value == ns;
        }

        if (!toOwnNamespace)
        {
            p.Error("spec.exportTo", "Invalid value: destination rule with workload selector cannot have exportTo beyond current namespace");
        }
        else if (exportTo.Count > 1)
        {
            p.Error("spec.exportTo", "Invalid value: destination rule with workload selector cannot have multiple entries in exportTo");
        }
    }

    private static void TrafficPolicy(TrafficPolicy? policy, string path, FieldProblems p)
    {
        if (policy is null)
        {
            return;
        }

        LoadBalancer(policy.LoadBalancer, policy.OutlierDetection, FieldPaths.Field(path, "loadBalancer"), p);
        ConnectionPool(policy.ConnectionPool, FieldPaths.Field(path, "connectionPool"), p);
        OutlierDetection(policy.OutlierDetection, FieldPaths.Field(path, "outlierDetection"), p);
        Tls(policy.Tls, FieldPaths.Field(path, "tls"), p);
        if (policy.RetryBudget?.Percent is { } percent and (< 0 or > 100))
        {
            p.Error(FieldPaths.Field(path, "retryBudget.percent"), $"Invalid value: {percent}: percent must be in range 0..100");
        }

        for (var i = 0; i < policy.PortLevelSettings.Count; i++)
        {
            var setting = policy.PortLevelSettings[i];
            var item = FieldPaths.Index(FieldPaths.Field(path, "portLevelSettings"), i);
            if (setting.Port?.Number is not { } port)
            {
                p.Error(FieldPaths.Field(item, "port"), "Required value: portLevelSettings must specify port");
            }
            else
            {
                CommonRules.Port(port, FieldPaths.Field(item, "port.number"), p);
            }

            LoadBalancer(setting.LoadBalancer, setting.OutlierDetection, FieldPaths.Field(item, "loadBalancer"), p);
            ConnectionPool(setting.ConnectionPool, FieldPaths.Field(item, "connectionPool"), p);
            OutlierDetection(setting.OutlierDetection, FieldPaths.Field(item, "outlierDetection"), p);
            Tls(setting.Tls, FieldPaths.Field(item, "tls"), p);
        }

        if (policy.Tunnel is { } tunnel)
        {
            if (tunnel.Protocol is { } protocol && protocol is not ("CONNECT" or "POST"))
            {
                p.Error(FieldPaths.Field(path, "tunnel.protocol"), $"Unsupported value: \"{protocol}\": supported values: \"CONNECT\", \"POST\"");
            }

            CommonRules.Port(tunnel.TargetPort, FieldPaths.Field(path, "tunnel.targetPort"), p);
        }
    }

    private static void LoadBalancer(LoadBalancerSettings? lb, OutlierDetection? outlierDetection, string path, FieldProblems p)
    {
        if (lb is null)
        {
            return;
        }

        if (lb.LocalityLbSetting is { } failover && (failover.Failover.Count > 0 || failover.FailoverPriority.Count > 0) && outlierDetection is null)
        {
            // Istio's own warning: failover moves traffic off a locality only once its endpoints are ejected.
            p.Warning(FieldPaths.Field(path, "localityLbSetting"),
                "has no effect in this mesh (nor in Istio) without outlierDetection: outlier detection policy must be provided for failover");
        }

        if ((lb.Warmup is not null || lb.WarmupDurationSecs is not null) && (lb.ConsistentHash is not null || lb.Simple is SimpleLB.Random or SimpleLB.Passthrough))
        {
            // Envoy's slow start belongs to round robin and least request.
            p.Warning(FieldPaths.Field(path, lb.Warmup is not null ? "warmup" : "warmupDurationSecs"),
                "has no effect in this mesh (nor in Istio): warmup applies to ROUND_ROBIN and LEAST_REQUEST only");
        }

        if (lb.Simple is not null && lb.ConsistentHash is not null)
        {
            p.Error(path, "Invalid value: only one of simple or consistentHash may be set");
        }

        if (lb.ConsistentHash is { } hash)
        {
            var sources = (hash.HttpHeaderName is null ? 0 : 1) + (hash.HttpCookie is null ? 0 : 1) + (hash.UseSourceIp ? 1 : 0) + (hash.HttpQueryParameterName is null ? 0 : 1);
            if (sources > 1)
            {
                p.Error(FieldPaths.Field(path, "consistentHash"), "Invalid value: only one of httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName may be set");
            }

            if (hash.HttpCookie is { } cookie)
            {
                if (cookie.Name.Length == 0)
                {
                    p.Error(FieldPaths.Field(path, "consistentHash.httpCookie.name"), "Required value: name required for HttpCookie");
                }

                CommonRules.Duration(cookie.Ttl is { } ttl && ttl == TimeSpan.Zero ? null : cookie.Ttl, FieldPaths.Field(path, "consistentHash.httpCookie.ttl"), p);
            }

            if (hash.MinimumRingSize is > 0 && (hash.RingHash is not null || hash.Maglev is not null))
            {
                p.Error(FieldPaths.Field(path, "consistentHash.minimumRingSize"), "Invalid value: only one of MinimumRingSize or Maglev/Ringhash can be specified");
            }

            if (hash.Maglev is { } maglev)
            {
                // Envoy's Maglev needs a prime table size below 5000011 (Istio checks the same).
                var sizePath = FieldPaths.Field(path, "consistentHash.maglev.tableSize");
                if (maglev.TableSize is not > 0)
                {
                    p.Error(sizePath, "Required value: tableSize must be set for maglev");
                }
                else if (maglev.TableSize >= 5000011 || !IsPrime(maglev.TableSize.Value))
                {
                    p.Error(sizePath, $"Invalid value: {maglev.TableSize}: tableSize must be a prime number less than 5000011 for maglev");
                }
            }
        }

        if (lb.LocalityLbSetting is { } locality && locality.Distribute.Count > 0 && locality.Failover.Count > 0)
        {
            p.Error(FieldPaths.Field(path, "localityLbSetting"), "Invalid value: can not simultaneously set 'distribute' and 'failover'");
        }

        CommonRules.Duration(lb.WarmupDurationSecs, FieldPaths.Field(path, "warmupDurationSecs"), p);
        if (lb.Warmup is { } warmup)
        {
            var warmupPath = FieldPaths.Field(path, "warmup");
            if (warmup.Duration is null)
            {
                p.Error(FieldPaths.Field(warmupPath, "duration"), "Required value: warmup duration is required");
            }

            CommonRules.Duration(warmup.Duration, FieldPaths.Field(warmupPath, "duration"), p);
            if (warmup.MinimumPercent is { } minimum && minimum is < 0 or > 100)
            {
                p.Error(FieldPaths.Field(warmupPath, "minimumPercent"), $"Invalid value: {minimum}: minimumPercent must be between 0 and 100");
            }

            if (warmup.Aggression is { } aggression && aggression < 1)
            {
                p.Error(FieldPaths.Field(warmupPath, "aggression"), $"Invalid value: {aggression}: aggression must be greater than or equal to 1");
            }
        }
    }

    private static bool IsPrime(ulong value)
    {
        if (value < 2) return false;
        if (value < 4) return true;
        if (value % 2 == 0) return false;
        for (ulong factor = 3; factor * factor <= value; factor += 2)
        {
            if (value % factor == 0) return false;
        }

        return true;
    }

    internal static void ConnectionPool(ConnectionPoolSettings? pool, string path, FieldProblems p)
    {
        if (pool?.Tcp is { } tcp)
        {
            var tcpPath = FieldPaths.Field(path, "tcp");
            Positive(tcp.MaxConnections, FieldPaths.Field(tcpPath, "maxConnections"), "max connections", p);
            CommonRules.Duration(tcp.ConnectTimeout, FieldPaths.Field(tcpPath, "connectTimeout"), p);
            CommonRules.Duration(tcp.MaxConnectionDuration, FieldPaths.Field(tcpPath, "maxConnectionDuration"), p);
            CommonRules.Duration(tcp.IdleTimeout, FieldPaths.Field(tcpPath, "idleTimeout"), p);
            CommonRules.Duration(tcp.TcpKeepalive?.Time, FieldPaths.Field(tcpPath, "tcpKeepalive.time"), p);
            CommonRules.Duration(tcp.TcpKeepalive?.Interval, FieldPaths.Field(tcpPath, "tcpKeepalive.interval"), p);
        }

        if (pool?.Http is { } http)
        {
            var httpPath = FieldPaths.Field(path, "http");
            Positive(http.Http1MaxPendingRequests, FieldPaths.Field(httpPath, "http1MaxPendingRequests"), "http1 max pending requests", p);
            Positive(http.Http2MaxRequests, FieldPaths.Field(httpPath, "http2MaxRequests"), "http2 max requests", p);
            NotNegative(http.MaxRequestsPerConnection, FieldPaths.Field(httpPath, "maxRequestsPerConnection"), "max requests per connection", p);
            if (http.MaxRequestsPerConnection is > 1)
            {
                // .NET's connection pool cannot count requests per connection; 1 (a connection per request) it can honour.
                p.Warning(FieldPaths.Field(httpPath, "maxRequestsPerConnection"),
                    $"has no effect in this mesh for {http.MaxRequestsPerConnection}: only 1 (a new connection for each request) is applied; other values reuse connections without a count");
            }
            NotNegative(http.MaxRetries, FieldPaths.Field(httpPath, "maxRetries"), "max retries", p);
            CommonRules.Duration(http.IdleTimeout, FieldPaths.Field(httpPath, "idleTimeout"), p);
            CommonRules.Duration(http.Http2KeepAlive?.Interval, FieldPaths.Field(httpPath, "http2KeepAlive.interval"), p);
            CommonRules.Duration(http.Http2KeepAlive?.Timeout, FieldPaths.Field(httpPath, "http2KeepAlive.timeout"), p);
        }
    }

    private static void OutlierDetection(OutlierDetection? outlier, string path, FieldProblems p)
    {
        if (outlier is null)
        {
            return;
        }

        NotNegative(outlier.ConsecutiveErrors, FieldPaths.Field(path, "consecutiveErrors"), "outlier detection consecutive errors", p);
        if (!outlier.SplitExternalLocalOriginErrors && outlier.ConsecutiveLocalOriginFailures > 0)
        {
            // Istio's rule: local-origin failures are only counted apart when they are split from the upstream's errors.
            p.Error(FieldPaths.Field(path, "consecutiveLocalOriginFailures"),
                "Invalid value: outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false");
        }

        CommonRules.Duration(outlier.Interval, FieldPaths.Field(path, "interval"), p);
        CommonRules.Duration(outlier.BaseEjectionTime, FieldPaths.Field(path, "baseEjectionTime"), p);
        Percent(outlier.MaxEjectionPercent, FieldPaths.Field(path, "maxEjectionPercent"), "max ejection percent", p);
        Percent(outlier.MinHealthPercent, FieldPaths.Field(path, "minHealthPercent"), "min health percent", p);
    }

    private static void Tls(ClientTlsSettings? tls, string path, FieldProblems p)
    {
        if (tls is null)
        {
            return;
        }

        if (tls.Mode == ClientTlsMode.IstioMutual && (tls.ClientCertificate ?? tls.PrivateKey ?? tls.CaCertificates ?? tls.CredentialName ?? tls.CaCrl) is not null)
        {
            p.Error(path, "Invalid value: cannot specify client certificates, private key, CA certificate, CA CRL or credentialName with mode ISTIO_MUTUAL");
        }

        if (tls is { Mode: ClientTlsMode.IstioMutual, InsecureSkipVerify: true })
        {
            p.Warning(FieldPaths.Field(path, "insecureSkipVerify"),
                "has no effect in this mesh (nor in Istio) with mode ISTIO_MUTUAL: the peer's SPIFFE identity is always verified; insecureSkipVerify applies to SIMPLE and MUTUAL");
        }

        if (tls.Mode is ClientTlsMode.Simple or ClientTlsMode.Mutual && tls.CredentialName is not null
            && (tls.ClientCertificate ?? tls.CaCertificates ?? tls.PrivateKey ?? tls.CaCrl) is not null)
        {
            p.Error(path, "Invalid value: cannot specify client certificates or CA certificate or CA CRL If credentialName is set");
        }

        if (tls.Mode == ClientTlsMode.Mutual && tls.CredentialName is null)
        {
            if (tls.ClientCertificate is null)
            {
                p.Error(FieldPaths.Field(path, "clientCertificate"), "Required value: client certificate required for mutual tls");
            }

            if (tls.PrivateKey is null)
            {
                p.Error(FieldPaths.Field(path, "privateKey"), "Required value: private key required for mutual tls");
            }
        }
    }

    private static void Positive(int? value, string path, string what, FieldProblems p)
    {
        if (value is <= 0)
        {
            p.Error(path, $"Invalid value: {value}: {what} must be greater than 0");
        }
    }

    private static void NotNegative(int? value, string path, string what, FieldProblems p)
    {
        if (value is < 0)
        {
            p.Error(path, $"Invalid value: {value}: {what} cannot be negative");
        }
    }

    private static void Percent(int? value, string path, string what, FieldProblems p)
    {
        if (value is < 0 or > 100)
        {
            p.Error(path, $"Invalid value: {value}: {what} must be in range [0, 100]");
        }
    }
}
