using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mesh.Proxy.Capture;

/// <summary>The comma-separated lists the capture flags carry: split, and checked so a mistake is named before iptables sees it.</summary>
internal static class CaptureLists
{
    /// <summary>The list's items, trimmed, empty ones dropped (Istio drops them too).</summary>
    public static List<string> Split(string list)
    {
        var items = new List<string>();
        foreach (var part in list.Split(','))
        {
            var item = part.Trim();
            if (item.Length > 0)
            {
                items.Add(item);
            }
        }

        return items;
    }

    /// <summary>The outbound ranges of -i/-x split by family, as Istio separates them; throws on a malformed CIDR.</summary>
    public static OutboundRanges Ranges(string list) =>
        TryRanges(list, out var ranges, out var error) ? ranges : throw new FormatException(error);

    public static bool TryRanges(string list, out OutboundRanges ranges, out string error)
    {
        ranges = new OutboundRanges(false, [], [], false, false);
        error = string.Empty;
        if (list.Trim() == "*")
        {
            ranges = ranges with { Wildcard = true };
            return true;
        }

        var v4 = new List<string>();
        var v6 = new List<string>();
        bool v4Loopback = false, v6Loopback = false;
        foreach (var item in Split(list))
        {
            var slash = item.IndexOf('/');
            if (slash < 0 || !IPAddress.TryParse(item.AsSpan(0, slash), out var address)
                || !int.TryParse(item.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var bits)
                || bits > (address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128))
            {
                error = $"'{item}' is not a CIDR (expected e.g. 10.0.0.0/8 or fd00::/8)";
                return false;
            }

            var cidr = $"{address}/{bits}";
            if (address.AddressFamily == AddressFamily.InterNetwork)
            {
                v4.Add(cidr);
                v4Loopback |= IPAddress.IsLoopback(address);
            }
            else
            {
                v6.Add(cidr);
                v6Loopback |= IPAddress.IsLoopback(address);
            }
        }

        ranges = new OutboundRanges(false, v4, v6, v4Loopback, v6Loopback);
        return true;
    }

    /// <summary>Checks a port list: each item a port number 1–65535.</summary>
    public static bool TryPorts(string list, out string error)
    {
        foreach (var item in Split(list))
        {
            if (!IsPort(item))
            {
                error = $"'{item}' is not a port (expected a number 1-65535)";
                return false;
            }
        }

        error = string.Empty;
        return true;
    }

    public static bool IsPort(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535;

    /// <summary>Checks a list of names (interfaces, users, groups): no spaces or characters iptables would read as syntax.</summary>
    public static bool TryNames(string list, int maxLength, out string error)
    {
        foreach (var item in Split(list))
        {
            foreach (var c in item)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@' or ':'))
                {
                    error = $"'{item}' has '{c}', which a name here cannot have";
                    return false;
                }
            }

            if (item.Length > maxLength)
            {
                error = $"'{item}' is longer than {maxLength} characters";
                return false;
            }
        }

        error = string.Empty;
        return true;
    }
}
