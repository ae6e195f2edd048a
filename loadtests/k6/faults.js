// Faults: config/faults.yaml makes the caller's sidecar abort 10% of the calls to details with 503 and delay 10% by
// 200 ms (VirtualService fault). Through the gateway, productpage answers 502 when its details call was aborted. The
// script measures the injected shares and checks they are what the VirtualService asked for:
//   kubectl apply -f loadtests/k6/config/faults.yaml
//   k6 run loadtests/k6/faults.js                         (minikube: -e GATEWAY_URL=http://<tunnel IP>)
//   kubectl delete -f loadtests/k6/config/faults.yaml     (afterwards)
import http from 'k6/http';
import { check } from 'k6';
import { Rate } from 'k6/metrics';
import { GATEWAY_URL, THRESHOLDS, constantRate, env, latencyAndErrors, sampleReply, upstreamCall } from './lib/config.js';

const target = GATEWAY_URL + env('URL_PATH', '/productpage');
const faultedHost = env('FAULTED_HOST', 'details');
/** The fixedDelay of config/faults.yaml: a call at least this slow counts as delayed. */
const delayMs = Number(env('FAULT_DELAY_MS', '200'));

/** Requests whose call to the faulted host was aborted by the fault filter (503, not the app's JSON). */
const aborted = new Rate('fault_aborted');
/** Requests that took at least the injected delay. */
const delayed = new Rate('fault_delayed');

const row = THRESHOLDS.faults;
export const options = {
  scenarios: {
    faults: constantRate({ tags: { path: 'gateway', failure: 'faults' } }),
  },
  thresholds: {
    // The error rate here is the abort share: under its bound, plus the margin; never the whole traffic.
    ...latencyAndErrors(row),
    fault_aborted: [`rate>${row.abortShare[0]}`, `rate<${row.abortShare[1]}`],
    fault_delayed: [`rate>${row.delayShare[0]}`, `rate<${row.delayShare[1]}`],
    checks: ['rate>0.99'],
  },
};

export default function () {
  const response = http.get(target, { tags: { name: 'faults /productpage' } });
  const call = upstreamCall(sampleReply(response), faultedHost);
  // The fault filter answers 503 with its own text body, so the app could not read it as JSON: no reply.
  const wasAborted = call !== null && call.status === 503 && !call.reply;
  aborted.add(wasAborted);
  delayed.add(response.timings.duration >= delayMs);
  check(response, {
    'faults: 200, or 502 because the call was aborted': (r) => r.status === 200 || (r.status === 502 && wasAborted),
  });
}
