namespace Mesh.ControlPlane.Model;

/// <summary>Holds the latest mesh snapshot; swapped whole, read without locks.</summary>
internal sealed class MeshSnapshotStore
{
    private MeshSnapshot? _current;

    /// <summary>Null until the first snapshot is built.</summary>
    public MeshSnapshot? Current => Volatile.Read(ref _current);

    public void Publish(MeshSnapshot snapshot) => Volatile.Write(ref _current, snapshot);
}
