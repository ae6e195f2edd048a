using System.Security.Cryptography;
using k8s.Models;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>A core/v1 Warning Event about one object, as <c>kubectl describe</c> and <c>kubectl get events</c> show it.</summary>
internal static class WarningEvent
{
    /// <summary>The component events name as their source.</summary>
    public const string Component = "mesh-control-plane";

    // The API server refuses longer messages.
    private const int MaxMessageLength = 1024;

    public static Corev1Event About(string apiVersion, string kind, V1ObjectMeta metadata, string reason, string message, DateTime now) => new()
    {
        Metadata = new V1ObjectMeta
        {
            // kubectl's and client-go's naming: the object's name and a unique suffix.
            Name = $"{metadata.Name}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}",
            NamespaceProperty = metadata.NamespaceProperty,
        },
        InvolvedObject = new V1ObjectReference
        {
            ApiVersion = apiVersion,
            Kind = kind,
            Name = metadata.Name,
            NamespaceProperty = metadata.NamespaceProperty,
            Uid = metadata.Uid,
            ResourceVersion = metadata.ResourceVersion,
        },
        Type = "Warning",
        Reason = reason,
        Message = message.Length > MaxMessageLength ? message[..(MaxMessageLength - 3)] + "..." : message,
        Source = new V1EventSource { Component = Component },
        ReportingComponent = Component,
        ReportingInstance = Environment.MachineName,
        FirstTimestamp = now,
        LastTimestamp = now,
        Count = 1,
    };
}
