namespace Mesh.Proxy.Model;

/// <summary>Where an <see cref="OutlierDetector"/> reports what it does: a log line per event, and Envoy's counters.</summary>
internal interface IOutlierEventSink
{
    void Ejected(string cluster, string endpoint, EjectionType type, uint count, TimeSpan duration, int ejections, int ejected, int total);

    void Unejected(string cluster, string endpoint, TimeSpan ejectedFor);

    void EjectionRefused(string cluster, string endpoint, EjectionType type, uint count, int ejected, int total, uint maxEjectionPercent);

    void EjectionsActive(string cluster, int ejected);
}
