using Grpc.Core;
using OpenTelemetry.Proto.Collector.Trace.V1;

namespace Mesh.EndToEnd.Tests.Otlp;

/// <summary>OTLP's <c>TraceService/Export</c> on Grpc.AspNetCore: hands every batch to the receiver and accepts it whole.</summary>
internal sealed class OtlpTraceService(Action<ExportTraceServiceRequest> received) : TraceService.TraceServiceBase
{
    public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
    {
        received(request);
        return Task.FromResult(new ExportTraceServiceResponse());
    }
}
