using Mesh.Istio.Loading;
using Mesh.Istio.Networking;

namespace Mesh.Istio.Validation;

/// <summary>Istio's validateGateway: servers with ports, protocols, hosts ("namespace/host") and TLS settings, and the selector.</summary>
internal static class GatewayValidator
{
    public static void Validate(GatewaySpec spec, FieldProblems p)
    {
        if (spec.Servers.Count == 0)
        {
            // Schema-valid (istioctl analyze test data has such Gateways); it opens no port.
            p.Warning("spec.servers", "gateway must have at least one server; it serves nothing");
        }

        var portNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Servers.Count; i++)
        {
            var server = spec.Servers[i];
            var path = FieldPaths.Index("spec.servers", i);
            if (server.Port is not { } port)
            {
                p.Error(FieldPaths.Field(path, "port"), "Required value: server must have a port");
            }
            else
            {
                if (port.Number is not { } number)
                {
                    p.Error(FieldPaths.Field(path, "port.number"), "Required value: port number is required");
                }

                CommonRules.Port(port.Number, FieldPaths.Field(path, "port.number"), p);
                CommonRules.Port(port.TargetPort, FieldPaths.Field(path, "port.targetPort"), p);
                if (port.Protocol.Length == 0)
                {
                    p.Error(FieldPaths.Field(path, "port.protocol"), "Required value: protocol must be set for server port");
                }
                else if (!Protocols.IsKnown(port.Protocol))
                {
                    p.Error(FieldPaths.Field(path, "port.protocol"), $"Invalid value: \"{port.Protocol}\": unrecognized protocol");
                }

                if (port.Name.Length > 0 && !portNames.Add(port.Name))
                {
                    p.Error(FieldPaths.Field(path, "port.name"), $"Duplicate value: \"{port.Name}\": port names in servers must be unique");
                }
            }

            if (server.Hosts.Count == 0)
            {
                p.Error(FieldPaths.Field(path, "hosts"), "Required value: server config must contain at least one host");
            }

            for (var h = 0; h < server.Hosts.Count; h++)
            {
                Host(server.Hosts[h], FieldPaths.Index(FieldPaths.Field(path, "hosts"), h), p);
            }

            Tls(server.Tls, server.Port?.Protocol, FieldPaths.Field(path, "tls"), p);
        }

        CommonRules.Selector(spec.Selector, "spec.selector", p);
    }

    /// <summary>"host" or "namespace/host", namespace being ".", "*", "~" or a namespace name.</summary>
    private static void Host(string value, string path, FieldProblems p)
    {
        var slash = value.IndexOf('/');
        var host = slash < 0 ? value : value[(slash + 1)..];
        if (slash >= 0)
        {
            var ns = value[..slash];
            if (ns is not ("." or "*" or "~") && !IstioNameRules.IsDns1123Label(ns))
            {
                p.Error(path, $"Invalid value: \"{value}\": invalid namespace \"{ns}\"; must be '.', '*', '~' or a namespace name");
                return;
            }
        }

        if (!CommonRules.IsIp(host) && IstioNameRules.CheckWildcardDomain(host) is { } error)
        {
            p.Error(path, $"Invalid value: \"{value}\": {error}");
        }
    }

    private static void Tls(ServerTlsSettings? tls, string? protocol, string path, FieldProblems p)
    {
        if (protocol is "HTTPS" or "https" && (tls is null || tls.Mode is null && !tls.HttpsRedirect))
        {
            p.Error(path, "Required value: server must have TLS settings for HTTPS/TLS protocols");
        }

        if (tls is null || tls.HttpsRedirect && tls.Mode is null)
        {
            return;
        }

        var hasCertificate = tls.CredentialName is not null || tls.CredentialNames.Count > 0 || tls.TlsCertificates.Count > 0;
        if (tls.Mode is ServerTlsMode.Simple or ServerTlsMode.Mutual or ServerTlsMode.OptionalMutual && !hasCertificate)
        {
            if (tls.ServerCertificate is null)
            {
                p.Error(FieldPaths.Field(path, "serverCertificate"), $"Required value: {IstioEnumNames.Name(tls.Mode.Value)} TLS requires a server certificate");
            }

            if (tls.PrivateKey is null)
            {
                p.Error(FieldPaths.Field(path, "privateKey"), $"Required value: {IstioEnumNames.Name(tls.Mode.Value)} TLS requires a private key");
            }
        }

        if (tls.Mode is ServerTlsMode.IstioMutual or ServerTlsMode.OptionalMutual or ServerTlsMode.AutoPassthrough)
        {
            // The gateway terminates SIMPLE and MUTUAL and passes PASSTHROUGH through; a server in another mode would
            // otherwise just not answer.
            p.Warning(FieldPaths.Field(path, "mode"),
                $"has no effect in this mesh: {IstioEnumNames.Name(tls.Mode.Value)} servers are not served; use SIMPLE, MUTUAL or PASSTHROUGH");
        }

        if (tls.CredentialName is null && tls.CredentialNames.Count > 1)
        {
            p.Warning(FieldPaths.Index(FieldPaths.Field(path, "credentialNames"), 1),
                "has no effect in this mesh: only the first credential is served (one certificate per server)");
        }

        ClientCertificateChecks(tls, path, p);
        for (var i = 0; i < tls.CipherSuites.Count; i++)
        {
            if (TlsCipherSuiteNames.Iana(tls.CipherSuites[i]) is null)
            {
                p.Warning(FieldPaths.Index(FieldPaths.Field(path, "cipherSuites"), i),
                    $"ignored: {tls.CipherSuites[i]} is not a TLS 1.2 cipher suite the gateway offers (OpenSSL names, such as ECDHE-ECDSA-AES128-GCM-SHA256)");
            }
        }

        if (tls.MinProtocolVersion is { } min && tls.MaxProtocolVersion is { } max && min != TlsProtocol.TlsAuto && max != TlsProtocol.TlsAuto && min > max)
        {
            p.Error(FieldPaths.Field(path, "minProtocolVersion"), "Invalid value: minProtocolVersion cannot be greater than maxProtocolVersion");
        }
    }

    /// <summary>subjectAltNames, verifyCertificateSpki and verifyCertificateHash: checked on MUTUAL servers' client certificates.</summary>
    private static void ClientCertificateChecks(ServerTlsSettings tls, string path, FieldProblems p)
    {
        for (var i = 0; i < tls.VerifyCertificateSpki.Count; i++)
        {
            var bytes = new byte[32];
            if (!Convert.TryFromBase64String(tls.VerifyCertificateSpki[i], bytes, out var length) || length != 32)
            {
                p.Error(FieldPaths.Index(FieldPaths.Field(path, "verifyCertificateSpki"), i),
                    $"Invalid value: {tls.VerifyCertificateSpki[i]}: not a base64-encoded SHA-256 hash of a SubjectPublicKeyInfo");
            }
        }

        for (var i = 0; i < tls.VerifyCertificateHash.Count; i++)
        {
            var hex = tls.VerifyCertificateHash[i].Replace(":", "", StringComparison.Ordinal);
            if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
            {
                p.Error(FieldPaths.Index(FieldPaths.Field(path, "verifyCertificateHash"), i),
                    $"Invalid value: {tls.VerifyCertificateHash[i]}: not a hex-encoded SHA-256 hash (colons allowed)");
            }
        }

        if (tls.Mode == ServerTlsMode.Simple)
        {
            foreach (var (field, count) in new[] { ("subjectAltNames", tls.SubjectAltNames.Count), ("verifyCertificateSpki", tls.VerifyCertificateSpki.Count), ("verifyCertificateHash", tls.VerifyCertificateHash.Count) })
            {
                if (count > 0)
                {
                    p.Warning(FieldPaths.Field(path, field), "has no effect in this mesh with mode SIMPLE: a SIMPLE server asks for no client certificate; use MUTUAL to check one");
                }
            }
        }
    }
}
