using System.Buffers;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Mesh.Contracts.Discovery;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Model;

/// <summary>
/// The request attribute a consistent hash is computed from (Istio's httpHeaderName, httpCookie, useSourceIp,
/// httpQueryParameterName) and its 64-bit xxHash (seed 0) of the UTF-8 bytes, as Envoy hashes it. No key (the header,
/// cookie or parameter absent) means no hash: Envoy then picks a random host.
/// </summary>
internal sealed class RequestHashKey
{
    /// <summary>Values up to this many UTF-8 bytes are hashed from the stack; longer ones from a pooled buffer.</summary>
    private const int StackBytes = 512;

    private readonly ConsistentHash.KeyOneofCase _kind;
    private readonly string _name;
    private readonly HashCookie? _cookie;
    private readonly string? _cookieSuffix;

    public RequestHashKey(ConsistentHash config)
    {
        _kind = config.KeyCase;
        _name = config.KeyCase switch
        {
            ConsistentHash.KeyOneofCase.HeaderName => config.HeaderName,
            ConsistentHash.KeyOneofCase.Cookie => config.Cookie.Name,
            ConsistentHash.KeyOneofCase.QueryParameter => config.QueryParameter,
            _ => "",
        };
        if (config.KeyCase == ConsistentHash.KeyOneofCase.Cookie && config.Cookie.Generate)
        {
            _cookie = config.Cookie;
            _cookieSuffix = SetCookieSuffix(config.Cookie);
        }
    }

    /// <summary>
    /// The request's hash; null when it has no key. <paramref name="generatedCookie"/>: the Set-Cookie value of a hash
    /// cookie generated for a request that had none, for the response.
    /// </summary>
    public ulong? Compute(HttpContext context, out string? generatedCookie)
    {
        generatedCookie = null;
        return _kind switch
        {
            ConsistentHash.KeyOneofCase.HeaderName => Header(context.Request.Headers),
            ConsistentHash.KeyOneofCase.Cookie => Cookie(context, out generatedCookie),
            ConsistentHash.KeyOneofCase.SourceIp => SourceIp(context),
            ConsistentHash.KeyOneofCase.QueryParameter => QueryParameter(context.Request.QueryString.Value),
            _ => null,
        };
    }

    public static ulong Hash(ReadOnlySpan<char> value) => Hash(value, 0);

    private ulong? Header(IHeaderDictionary headers)
    {
        var values = headers[_name];
        switch (values.Count)
        {
            case 0:
                return null;
            case 1:
                return Hash(values[0]);
        }

        // Envoy hashes several values in sorted order, each hash seeding the next.
        var sorted = values.ToArray();
        Array.Sort(sorted, StringComparer.Ordinal);
        ulong hash = 0;
        foreach (var value in sorted)
        {
            hash = Hash(value, hash);
        }

        return hash;
    }

    private ulong? Cookie(HttpContext context, out string? generatedCookie)
    {
        generatedCookie = null;
        foreach (var header in context.Request.Headers.Cookie)
        {
            if (FindCookie(header, _name, out var value))
            {
                return Hash(value);
            }
        }

        if (_cookie is null)
        {
            return null;
        }

        // Envoy's generated value: the hex xxHash of the connection's two addresses, the same for every request of a
        // connection racing on the same path. The request is balanced by it, and the client keeps it from now on.
        var connection = context.Connection;
        var generated = Hash($"{connection.RemoteIpAddress}:{connection.RemotePort}{connection.LocalIpAddress}:{connection.LocalPort}")
            .ToString("x16", CultureInfo.InvariantCulture);
        generatedCookie = $"{_name}=\"{generated}\"{_cookieSuffix}";
        return Hash(generated);
    }

    private static ulong? SourceIp(HttpContext context)
    {
        if (context.Connection.RemoteIpAddress is not { } address)
        {
            return null;
        }

        Span<char> text = stackalloc char[64];
        return address.TryFormat(text, out var written) ? Hash(text[..written]) : Hash(address.ToString());
    }

    /// <summary>The first value of the parameter, as sent: Envoy does not decode it.</summary>
    private ulong? QueryParameter(string? query)
    {
        if (string.IsNullOrEmpty(query))
        {
            return null;
        }

        var rest = query.AsSpan(query[0] == '?' ? 1 : 0);
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf('&');
            var pair = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            var equals = pair.IndexOf('=');
            var name = equals < 0 ? pair : pair[..equals];
            if (name.SequenceEqual(_name))
            {
                return Hash(equals < 0 ? [] : pair[(equals + 1)..]);
            }
        }

        return null;
    }

    /// <summary>A cookie's value in a Cookie header ("a=1; b=2"), without the quotes it may be sent in.</summary>
    private static bool FindCookie(ReadOnlySpan<char> header, string name, out ReadOnlySpan<char> value)
    {
        while (!header.IsEmpty)
        {
            var end = header.IndexOf(';');
            var pair = (end < 0 ? header : header[..end]).Trim();
            header = end < 0 ? [] : header[(end + 1)..];
            var equals = pair.IndexOf('=');
            if (equals < 0 || !pair[..equals].TrimEnd().SequenceEqual(name))
            {
                continue;
            }

            value = pair[(equals + 1)..].TrimStart();
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
            {
                value = value[1..^1];
            }

            return true;
        }

        value = default;
        return false;
    }

    /// <summary>Envoy's Set-Cookie shape after name="value": Max-Age (unless a session cookie), Path, the attributes, HttpOnly.</summary>
    private static string SetCookieSuffix(HashCookie cookie)
    {
        var suffix = new StringBuilder();
        if (cookie.TtlSeconds > 0)
        {
            suffix.Append("; Max-Age=").Append(cookie.TtlSeconds.ToString(CultureInfo.InvariantCulture));
        }

        if (cookie.Path.Length > 0)
        {
            suffix.Append("; Path=").Append(cookie.Path);
        }

        foreach (var attribute in cookie.Attributes)
        {
            suffix.Append("; ").Append(attribute.Name);
            if (attribute.Value.Length > 0)
            {
                suffix.Append('=').Append(attribute.Value);
            }
        }

        return suffix.Append("; HttpOnly").ToString();
    }

    private static ulong Hash(ReadOnlySpan<char> value, ulong seed)
    {
        var length = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = null;
        var buffer = length <= StackBytes ? stackalloc byte[StackBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(value, buffer);
            return XxHash64.HashToUInt64(buffer[..written], (long)seed);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
