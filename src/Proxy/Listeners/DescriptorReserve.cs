using System.Net.Sockets;

namespace Mesh.Proxy.Listeners;

/// <summary>
/// Spare file descriptors (unbound sockets) the proxy holds so that it never runs out of them for good. .NET cannot
/// start a thread without descriptors (each new thread opens a pipe), and a thread pool that cannot add a worker
/// ends the process ("Out of memory."). So when an accept finds the process out of descriptors, the spares are let
/// go at once, for the runtime and for the admin server's /ready; and listeners accept again only once the spares
/// can be taken back with as many again still free (<see cref="TryRearm"/>). libuv's EMFILE trick, generalised.
/// </summary>
internal sealed class DescriptorReserve : IDisposable
{
    public const int DefaultSize = 32;

    // Taken only when the spares change hands (an episode of exhaustion), never per connection.
    private readonly Lock _lock = new();
    private readonly int _size;
    private Socket[]? _spares;

    public DescriptorReserve(int size = DefaultSize)
    {
        _size = size;
        TryRearm();
    }

    public int Size => _size;

    /// <summary>Whether the spares are held, so that listeners may accept; a volatile read, cheap on the accept path.</summary>
    public bool IsHeld => Volatile.Read(ref _spares) is not null;

    /// <summary>Lets every spare go, freeing their descriptors; nothing happens when they are already gone.</summary>
    public void Release()
    {
        lock (_lock)
        {
            if (_spares is { } spares)
            {
                Volatile.Write(ref _spares, null);
                Close(spares, spares.Length);
            }
        }
    }

    /// <summary>
    /// Takes the spares back when twice their number is free, keeping one set and leaving the other free: true
    /// when the spares are held (already, or now).
    /// </summary>
    public bool TryRearm()
    {
        if (IsHeld)
        {
            return true;
        }

        lock (_lock)
        {
            if (_spares is not null)
            {
                return true;
            }

            var taken = new Socket[_size * 2];
            var count = 0;
            try
            {
                for (; count < taken.Length; count++)
                {
                    taken[count] = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                }
            }
            catch (SocketException)
            {
                Close(taken, count);
                return false;
            }

            // The second half proved there is headroom beyond the spares; it goes back at once.
            for (var i = _size; i < taken.Length; i++)
            {
                taken[i].Dispose();
            }

            Volatile.Write(ref _spares, taken[.._size]);
            return true;
        }
    }

    public void Dispose() => Release();

    private static void Close(Socket[] sockets, int count)
    {
        for (var i = 0; i < count; i++)
        {
            sockets[i].Dispose();
        }
    }
}
