using System.Globalization;
using k8s.Models;

namespace Mesh.EndToEnd.Tests.Cluster;

/// <summary>
/// A pod's container as <c>docker run</c> arguments, in the network namespace of the pod's sandbox: the image, command
/// (the entrypoint) and args with <c>$(VAR)</c> expanded, env, volume mounts (with subPath and readOnly),
/// securityContext's user, group (and the pod's fsGroup), runAsNonRoot, read-only root file system, privilege,
/// privilege escalation and capabilities, and workingDir.
/// Resources are not enforced; image pull policy does not apply (the images are local).
/// </summary>
internal static class ContainerRun
{
    public static List<string> Arguments(string name, string sandbox, IEnumerable<string> labels, V1PodSpec spec, V1Container container,
        IReadOnlyDictionary<string, string> env, PodVolumes volumes, bool detached)
    {
        List<string> args = ["run", "--name", name, "--network", $"container:{sandbox}"];
        if (detached) args.Add("-d");
        foreach (var label in labels) args.AddRange(["--label", label]);

        var security = container.SecurityContext;
        var uid = security?.RunAsUser ?? spec.SecurityContext?.RunAsUser;
        var gid = security?.RunAsGroup ?? spec.SecurityContext?.RunAsGroup;
        if (uid is not null) args.AddRange(["--user", gid is null ? $"{uid}" : $"{uid}:{gid}"]);
        else if (gid is not null) throw new NotSupportedException($"container {container.Name}: runAsGroup without runAsUser");
        if ((security?.RunAsNonRoot ?? spec.SecurityContext?.RunAsNonRoot) == true && uid is null or 0)
        {
            // The kubelet refuses to start it rather than guess the image's user (ours is 1337, but a pod must say so).
            throw new InvalidOperationException($"container {container.Name}: runAsNonRoot without a non-zero runAsUser");
        }

        if (spec.SecurityContext?.FsGroup is { } fsGroup) args.AddRange(["--group-add", $"{fsGroup}"]);
        if (security?.AllowPrivilegeEscalation == false) args.AddRange(["--security-opt", "no-new-privileges"]);
        if (security?.ReadOnlyRootFilesystem == true) args.Add("--read-only");
        if (security?.Privileged == true) args.Add("--privileged");
        foreach (var capability in security?.Capabilities?.Add ?? []) args.AddRange(["--cap-add", capability]);
        foreach (var capability in security?.Capabilities?.Drop ?? []) args.AddRange(["--cap-drop", capability]);
        if (container.WorkingDir is { Length: > 0 } workingDir) args.AddRange(["-w", workingDir]);

        foreach (var (key, value) in env) args.AddRange(["-e", $"{key}={value}"]);

        var mounted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mount in container.VolumeMounts ?? [])
        {
            var source = volumes.PathOf(mount.Name);
            if (mount.SubPath is { Length: > 0 } subPath) source = Path.Combine(source, subPath);
            args.AddRange(["-v", $"{source}:{mount.MountPath}{(mount.ReadOnlyProperty == true ? ":ro" : "")}"]);
            mounted.Add(mount.MountPath);
        }

        if (volumes.ServiceAccountPath is { } serviceAccount && mounted.Add(PodVolumes.ServiceAccountMountPath))
        {
            args.AddRange(["-v", $"{serviceAccount}:{PodVolumes.ServiceAccountMountPath}:ro"]);
        }

        var command = Expand(container.Command, env);
        var arguments = Expand(container.Args, env);
        if (command.Count > 0) args.AddRange(["--entrypoint", command[0]]);
        args.Add(container.Image);
        if (command.Count > 1) args.AddRange(command.Skip(1));
        args.AddRange(arguments);
        return args;
    }

    /// <summary>A container port by number or by the name the container gives it; null when the name is not declared.</summary>
    public static int? Port(V1Container container, IntOrString port)
    {
        if (int.TryParse(port.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)) return number;
        return container.Ports?.FirstOrDefault(p => p.Name == port.Value)?.ContainerPort;
    }

    private static List<string> Expand(IList<string>? values, IReadOnlyDictionary<string, string> env) =>
        values is null ? [] : values.Select(v => VariableExpansion.Expand(v, env)).ToList();
}
