namespace Mesh.ControlPlane.Translation;

/// <summary>
/// A set of the four resource types, one flag per type in push order (cds, eds, lds, rds): which types a generation
/// produces, or which a change can affect.
/// </summary>
[Flags]
internal enum ResourceTypes
{
    None = 0,
    Clusters = 1 << 0,
    Endpoints = 1 << 1,
    Listeners = 1 << 2,
    Routes = 1 << 3,
    All = Clusters | Endpoints | Listeners | Routes,
}
