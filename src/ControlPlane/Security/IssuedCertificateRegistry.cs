// Remembers the latest certificates the CA issued, bounded, for the debug endpoint.
namespace Mesh.ControlPlane.Security;

/// <summary>The most recent <see cref="Capacity"/> issuances, newest last; older ones are forgotten (certificates are short-lived).</summary>
internal sealed class IssuedCertificateRegistry
{
    public const int Capacity = 1000;

    private readonly Queue<IssuedCertificateRecord> _records = new();
    private readonly Lock _lock = new();

    public void Add(IssuedCertificateRecord record)
    {
        lock (_lock)
        {
            if (_records.Count == Capacity)
            {
                _records.Dequeue();
            }

            _records.Enqueue(record);
        }
    }

    public IssuedCertificateRecord[] Snapshot()
    {
        lock (_lock)
        {
            return _records.ToArray();
        }
    }
}
