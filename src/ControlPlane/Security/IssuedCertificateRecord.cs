// One certificate the CA signed, as the debug endpoint lists it.
namespace Mesh.ControlPlane.Security;

internal sealed record IssuedCertificateRecord(string Identity, string SerialNumber, DateTimeOffset NotBefore, DateTimeOffset NotAfter, string Peer, DateTimeOffset IssuedAt);
