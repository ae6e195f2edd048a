namespace Mesh.Injection;

/// <summary>A pod that cannot be injected as asked (an invalid annotation value): the webhook answers allowed: false with this message.</summary>
public sealed class InjectionException(string message) : Exception(message);
