// What every script shares: where to send load, at what rate, and the thresholds each scenario must meet.
// The local harness (loadtests/run.sh 10s 32 scenarios) holds the same thresholds; a test checks that they agree.

/** An environment variable (k6 run -e NAME=value, or the shell's), or the default. */
export function env(name, fallback) {
  const value = __ENV[name];
  return value === undefined || value === '' ? fallback : value;
}

/** The gateway's address: kind maps the host's port 80 to it; on minikube, `minikube tunnel` gives it an IP. */
export const GATEWAY_URL = env('GATEWAY_URL', 'http://localhost');

/**
 * The arrival rate and length shared by every scenario: RATE requests per second for DURATION, after which k6
 * reports. Enough virtual users are kept to absorb a slow spell; past MAX_VUS, k6 drops iterations and says so
 * (dropped_iterations) rather than lowering the rate, so a slow mesh shows as failed thresholds, not as a lower load.
 */
export function constantRate(overrides = {}) {
  const rate = Number(env('RATE', '100'));
  return {
    executor: 'constant-arrival-rate',
    rate,
    timeUnit: '1s',
    duration: env('DURATION', '1m'),
    preAllocatedVUs: Number(env('VUS', String(Math.max(10, Math.ceil(rate / 10))))),
    maxVUs: Number(env('MAX_VUS', String(Math.max(50, rate)))),
    ...overrides,
  };
}

/**
 * Each scenario's thresholds: p95 and p99 latency in milliseconds and the highest share of failed requests. The
 * fault scenario expects failures (the share it injects), so its error rate bound is that share plus a margin, and
 * the injected shares of aborts and delays must fall in [min, max].
 */
export const THRESHOLDS = {
  gateway: { p95: 50, p99: 100, errorRate: 0.01 },
  sidecar: { p95: 25, p99: 50, errorRate: 0.01 },
  grpc: { p95: 50, p99: 100, errorRate: 0.01 },
  retries: { p95: 100, p99: 250, errorRate: 0.01 },
  faults: { p95: 400, p99: 600, errorRate: 0.15, abortShare: [0.05, 0.15], delayShare: [0.05, 0.15] },
  outlier: { p95: 50, p99: 100, errorRate: 0.01 },
};

/** k6 threshold expressions for a latency metric and an error-rate metric, from one row of THRESHOLDS. */
export function latencyAndErrors(row, latencyMetric = 'http_req_duration', errorMetric = 'http_req_failed') {
  return {
    [latencyMetric]: [`p(95)<${row.p95}`, `p(99)<${row.p99}`],
    [errorMetric]: [`rate<${row.errorRate}`],
  };
}

/** The sample app's JSON answer, or null when the body is not one (a proxy's own reply: "fault filter abort", ...). */
export function sampleReply(response) {
  try {
    return JSON.parse(response.body);
  } catch {
    return null;
  }
}

/** The call the sample app made to an upstream whose URL contains `host`, from its JSON answer; null when none. */
export function upstreamCall(reply, host) {
  if (reply === null || !Array.isArray(reply.upstreams)) {
    return null;
  }
  return reply.upstreams.find((u) => typeof u.url === 'string' && u.url.includes(host)) || null;
}
