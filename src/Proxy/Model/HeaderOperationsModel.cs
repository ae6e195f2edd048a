using Mesh.Contracts.Discovery;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Model;

/// <summary>Compiled Istio header operations (remove, then set, then add), applied to an upstream request or a downstream response.</summary>
internal sealed class HeaderOperationsModel
{
    public static readonly HeaderOperationsModel None = new([], [], []);

    private readonly KeyValuePair<string, string>[] _set;
    private readonly KeyValuePair<string, string>[] _add;
    private readonly string[] _remove;

    private HeaderOperationsModel(KeyValuePair<string, string>[] set, KeyValuePair<string, string>[] add, string[] remove)
    {
        _set = set;
        _add = add;
        _remove = remove;
    }

    public bool IsEmpty => _set.Length == 0 && _add.Length == 0 && _remove.Length == 0;

    public static HeaderOperationsModel Compile(HeaderOperations? operations)
    {
        if (operations is null || (operations.Set.Count == 0 && operations.Add.Count == 0 && operations.Remove.Count == 0))
        {
            return None;
        }

        return new HeaderOperationsModel([.. operations.Set], [.. operations.Add], [.. operations.Remove]);
    }

    public void ApplyTo(HttpRequestMessage request)
    {
        foreach (var name in _remove)
        {
            request.Headers.Remove(name);
            request.Content?.Headers.Remove(name);
        }

        foreach (var (name, value) in _set)
        {
            request.Headers.Remove(name);
            request.Content?.Headers.Remove(name);
            AddTo(request, name, value);
        }

        foreach (var (name, value) in _add)
        {
            AddTo(request, name, value);
        }
    }

    public void ApplyTo(IHeaderDictionary headers)
    {
        foreach (var name in _remove)
        {
            headers.Remove(name);
        }

        foreach (var (name, value) in _set)
        {
            headers[name] = value;
        }

        foreach (var (name, value) in _add)
        {
            headers.Append(name, value);
        }
    }

    // Content headers (content-type, ...) live on the content; HttpRequestHeaders refuses them.
    private static void AddTo(HttpRequestMessage request, string name, string value)
    {
        if (!request.Headers.TryAddWithoutValidation(name, value))
        {
            request.Content?.Headers.TryAddWithoutValidation(name, value);
        }
    }
}
