using System.Diagnostics;
using Grpc.Health.V1;
using HdrHistogram;

namespace Mesh.Harness.Load;

/// <summary>
/// Drives one target for a bounded time over a bounded pool of connections. At a fixed rate, request i is due at
/// start + i/rate whatever happened before it (an open loop); when every connection is busy at that moment, the
/// request waits for one and the wait counts in its latency, which is measured from when it was due. That is the
/// coordinated-omission correction: a server that stalls cannot hide the requests it kept from being sent.
/// </summary>
public static class LoadGenerator
{
    /// <summary>The largest latency a histogram holds (one hour, in microseconds); longer ones are recorded as this.</summary>
    private const long HighestMicros = 3_600_000_000;

    public static async Task<LoadResult> RunAsync(LoadTarget target, LoadOptions options, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var (connections, dispose) = Open(target, options.Connections);
        try
        {
            var schedule = new Schedule(options);
            // The run stops by itself: every request is bounded by its timeout, the schedule by its duration.
            using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            hardStop.CancelAfter(options.Duration + options.RequestTimeout + TimeSpan.FromSeconds(5));
            var workers = new Task<Worker>[connections.Length];
            for (var i = 0; i < workers.Length; i++)
            {
                workers[i] = new Worker(connections[i], schedule, options.RequestTimeout).RunAsync(hardStop.Token);
            }

            var histogram = NewHistogram();
            long errors = 0, lastEnd = schedule.Start;
            foreach (var worker in await Task.WhenAll(workers))
            {
                histogram.Add(worker.Latencies);
                errors += worker.Errors;
                lastEnd = Math.Max(lastEnd, worker.LastEnd);
            }

            cancellationToken.ThrowIfCancellationRequested();
            return new LoadResult(histogram, errors, Stopwatch.GetElapsedTime(schedule.Start, lastEnd), options.Rate);
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }

            dispose?.Dispose();
        }
    }

    internal static LongHistogram NewHistogram() => new(1, HighestMicros, 3);

    private static (ILoadConnection[] Connections, IDisposable? Shared) Open(LoadTarget target, int count)
    {
        var connections = new ILoadConnection[count];
        switch (target.Protocol)
        {
            case LoadProtocol.Http1:
                for (var i = 0; i < count; i++)
                {
                    connections[i] = Http1Connection.For(target);
                }

                return (connections, null);
            case LoadProtocol.Http2:
                var client = new HttpMessageInvoker(HttpClientConnection.CreateHandler(count));
                for (var i = 0; i < count; i++)
                {
                    connections[i] = new HttpClientConnection(client, target);
                }

                return (connections, client);
            case LoadProtocol.Grpc:
                var channel = GrpcHealthConnection.CreateChannel(target, count);
                var health = new Health.HealthClient(channel);
                for (var i = 0; i < count; i++)
                {
                    connections[i] = new GrpcHealthConnection(health);
                }

                return (connections, channel);
            default:
                throw new ArgumentOutOfRangeException(nameof(target), target.Protocol, "unknown protocol");
        }
    }

    /// <summary>Hands out the requests of a run: by a fixed schedule, or (closed loop) until the duration is over.</summary>
    private sealed class Schedule(LoadOptions options)
    {
        private readonly long _total = options.Rate > 0 ? Math.Max(1, (long)(options.Rate * options.Duration.TotalSeconds)) : long.MaxValue;
        private readonly double _ticksPerRequest = options.Rate > 0 ? Stopwatch.Frequency / options.Rate : 0;
        private readonly long _end = Stopwatch.GetTimestamp() + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);
        private long _issued;

        public long Start { get; } = Stopwatch.GetTimestamp();

        public bool IsOpenLoop => _ticksPerRequest > 0;

        /// <summary>When the next request is due (a timestamp), or -1 once the run has handed out all of them.</summary>
        public long Next()
        {
            if (!IsOpenLoop)
            {
                var now = Stopwatch.GetTimestamp();
                return now < _end ? now : -1;
            }

            var index = Interlocked.Increment(ref _issued) - 1;
            return index < _total ? Start + (long)(index * _ticksPerRequest) : -1;
        }
    }

    /// <summary>One connection's loop: takes the next due request, waits for its time, sends it, records it.</summary>
    private sealed class Worker(ILoadConnection connection, Schedule schedule, TimeSpan requestTimeout)
    {
        public LongHistogram Latencies { get; } = NewHistogram();

        public long Errors { get; private set; }

        public long LastEnd { get; private set; }

        public async Task<Worker> RunAsync(CancellationToken cancellationToken)
        {
            await Task.Yield();
            CancellationTokenSource? timeout = null, linked = null;
            try
            {
                while (!cancellationToken.IsCancellationRequested && schedule.Next() is var due and >= 0)
                {
                    long clockStart = due;
                    var early = due - Stopwatch.GetTimestamp();
                    if (early > 0)
                    {
                        // Ahead of schedule: wait for the due time. The timer's own lateness is the generator's, not
                        // the server's, so the clock starts at the send; a request that is late because every
                        // connection was busy keeps its due time (the correction).
                        await Task.Delay(TimeSpan.FromSeconds((double)early / Stopwatch.Frequency), cancellationToken);
                        clockStart = Stopwatch.GetTimestamp();
                    }

                    // One timeout source per connection, reset per request; a fired one cannot be reset, so it is replaced.
                    if (timeout is null || !timeout.TryReset())
                    {
                        linked?.Dispose();
                        timeout?.Dispose();
                        timeout = new CancellationTokenSource();
                        linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                    }

                    timeout.CancelAfter(requestTimeout);
                    bool ok;
                    try
                    {
                        ok = await connection.SendAsync(linked!.Token);
                    }
                    catch (Exception) when (!cancellationToken.IsCancellationRequested)
                    {
                        ok = false;
                        await connection.ResetAsync();
                    }

                    Record(ok, clockStart);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The run's hard stop: what was recorded so far stands.
            }
            finally
            {
                linked?.Dispose();
                timeout?.Dispose();
            }

            return this;
        }

        private void Record(bool ok, long clockStart)
        {
            var end = Stopwatch.GetTimestamp();
            LastEnd = end;
            if (!ok)
            {
                Errors++;
                return;
            }

            var micros = (long)Stopwatch.GetElapsedTime(clockStart, end).TotalMicroseconds;
            Latencies.RecordValue(Math.Clamp(micros, 1, HighestMicros));
        }
    }
}
