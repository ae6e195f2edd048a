// Retries: a backend that fails a share of its requests with 503, hidden by the VirtualService retry policy of
// config/retries.yaml (attempts: 3, retryOn: 5xx) at the caller's sidecar. Make details fail a fifth of its requests, apply
// the policy, then run through the gateway (productpage calls details on every request):
//   kubectl -n bookinfo patch deployment details-v1 --type json \
//     -p '[{"op":"add","path":"/spec/template/spec/containers/0/args/-","value":"--fail-percent"},
//          {"op":"add","path":"/spec/template/spec/containers/0/args/-","value":"20"}]'
//   kubectl apply -f loadtests/k6/config/retries.yaml
//   k6 run loadtests/k6/retries.js                        (minikube: -e GATEWAY_URL=http://<tunnel IP>)
// Passing means the failures did not reach the client (error rate under 1%) AND the retries were seen doing it.
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';
import { GATEWAY_URL, THRESHOLDS, constantRate, env, latencyAndErrors, sampleReply, upstreamCall } from './lib/config.js';

const target = GATEWAY_URL + env('URL_PATH', '/productpage');
/** The upstream that fails: the sample app reports the x-envoy-attempt-count header its sidecar's retry added. */
const flakyHost = env('FLAKY_HOST', 'details');

/** Answers that needed more than one attempt: proof the retry policy, not luck, kept the error rate down. */
const retried = new Counter('retried_requests');

export const options = {
  scenarios: {
    retries: constantRate({ tags: { path: 'gateway', failure: 'retries' } }),
  },
  thresholds: {
    ...latencyAndErrors(THRESHOLDS.retries),
    retried_requests: ['count>0'],
    checks: ['rate>0.99'],
  },
};

export default function () {
  const response = http.get(target, { tags: { name: 'retries /productpage' } });
  const call = upstreamCall(sampleReply(response), flakyHost);
  const attempts = call !== null && call.reply ? Number((call.reply.headers || {})['x-envoy-attempt-count'] || '1') : 0;
  if (attempts > 1) {
    retried.add(1);
  }
  check(response, {
    'retries: status is 200 (the failure was retried away)': (r) => r.status === 200,
    [`retries: ${flakyHost} was called and answered`]: () => attempts > 0,
  });
}
