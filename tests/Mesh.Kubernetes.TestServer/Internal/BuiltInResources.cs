namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>The built-in kinds this server serves: those the mesh reads, writes or is tested with.</summary>
internal static class BuiltInResources
{

    public static IEnumerable<ResourceType> All()
    {
        var all = ResourceType.AllVerbs;
        string[] none = [];
        yield return new("", ["v1"], "namespaces", "namespace", "Namespace", false, ["ns"], true,
            ["create", "delete", "get", "list", "patch", "update", "watch"], none) { ReturnsDeletedObject = true };
        yield return new("", ["v1"], "nodes", "node", "Node", false, ["no"], true, all, none);
        yield return new("", ["v1"], "pods", "pod", "Pod", true, ["po"], true, all, ["all"]) { ReturnsDeletedObject = true };
        yield return new("", ["v1"], "services", "service", "Service", true, ["svc"], true,
            ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], ["all"]) { ReturnsDeletedObject = true };
        yield return new("", ["v1"], "configmaps", "configmap", "ConfigMap", true, ["cm"], false, all, none);
        yield return new("", ["v1"], "secrets", "secret", "Secret", true, none, false, all, none);
        yield return new("", ["v1"], "serviceaccounts", "serviceaccount", "ServiceAccount", true, ["sa"], false, all, none);
        yield return new("", ["v1"], "events", "event", "Event", true, ["ev"], false, all, none);
        yield return new("events.k8s.io", ["v1"], "events", "event", "Event", true, ["ev"], false, all, none);
        yield return new("coordination.k8s.io", ["v1"], "leases", "lease", "Lease", true, none, false, all, none);
        yield return new("discovery.k8s.io", ["v1"], "endpointslices", "endpointslice", "EndpointSlice", true, none, false, all, none);
        yield return new("apps", ["v1"], "deployments", "deployment", "Deployment", true, ["deploy"], true, all, ["all"]) { TracksGeneration = true };
        yield return new("apps", ["v1"], "statefulsets", "statefulset", "StatefulSet", true, ["sts"], true, all, ["all"]) { TracksGeneration = true };
        yield return new("apps", ["v1"], "daemonsets", "daemonset", "DaemonSet", true, ["ds"], true, all, ["all"]) { TracksGeneration = true };
        yield return new("apps", ["v1"], "replicasets", "replicaset", "ReplicaSet", true, ["rs"], true, all, ["all"]) { TracksGeneration = true };
        yield return new("batch", ["v1"], "jobs", "job", "Job", true, none, true, all, ["all"]) { TracksGeneration = true };
        yield return new("batch", ["v1"], "cronjobs", "cronjob", "CronJob", true, ["cj"], true, all, ["all"]) { TracksGeneration = true };
        yield return new("admissionregistration.k8s.io", ["v1"], "mutatingwebhookconfigurations",
            "mutatingwebhookconfiguration", "MutatingWebhookConfiguration", false, none, false, all, ["api-extensions"]) { TracksGeneration = true };
        yield return new("admissionregistration.k8s.io", ["v1"], "validatingwebhookconfigurations",
            "validatingwebhookconfiguration", "ValidatingWebhookConfiguration", false, none, false, all, ["api-extensions"]) { TracksGeneration = true };
        yield return new("apiextensions.k8s.io", ["v1"], "customresourcedefinitions", "customresourcedefinition",
            "CustomResourceDefinition", false, ["crd", "crds"], true, all, ["api-extensions"]) { TracksGeneration = true };
        yield return new("rbac.authorization.k8s.io", ["v1"], "roles", "role", "Role", true, none, false, all, none);
        yield return new("rbac.authorization.k8s.io", ["v1"], "rolebindings", "rolebinding", "RoleBinding", true, none, false, all, none);
        yield return new("rbac.authorization.k8s.io", ["v1"], "clusterroles", "clusterrole", "ClusterRole", false, none, false, all, none);
        yield return new("rbac.authorization.k8s.io", ["v1"], "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, none, false, all, none);
        yield return new("policy", ["v1"], "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true, ["pdb"], true, all, none) { TracksGeneration = true };
        yield return new("autoscaling", ["v2"], "horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", true, ["hpa"], true, all, ["all"]);
        yield return new("networking.k8s.io", ["v1"], "ingresses", "ingress", "Ingress", true, ["ing"], true, all, none) { TracksGeneration = true };
        yield return new("networking.k8s.io", ["v1"], "ingressclasses", "ingressclass", "IngressClass", false, none, false, all, none);
        yield return new("authentication.k8s.io", ["v1"], "tokenreviews", "tokenreview", "TokenReview", false, none, false,
            ["create"], none) { IsVirtual = true };
        yield return new("authorization.k8s.io", ["v1"], "selfsubjectaccessreviews", "selfsubjectaccessreview", "SelfSubjectAccessReview",
            false, none, false, ["create"], none) { IsVirtual = true };
    }
}
