// The gateway path: k6 → ingress gateway → productpage's sidecar → productpage, which calls details and reviews
// through its own sidecar. Run from anywhere that reaches the gateway:
//   kind:     k6 run loadtests/k6/gateway.js
//   minikube: k6 run -e GATEWAY_URL=http://$(minikube ip or the tunnel's external IP) loadtests/k6/gateway.js
// RATE (req/s, default 100), DURATION (default 1m), URL_PATH (default /productpage) tune it. See loadtests/k6/README.md.
import http from 'k6/http';
import { check } from 'k6';
import { GATEWAY_URL, THRESHOLDS, constantRate, env, latencyAndErrors } from './lib/config.js';

const target = GATEWAY_URL + env('URL_PATH', '/productpage');

export const options = {
  scenarios: {
    gateway: constantRate({ tags: { path: 'gateway' } }),
  },
  thresholds: {
    ...latencyAndErrors(THRESHOLDS.gateway),
    checks: ['rate>0.99'],
  },
};

export default function () {
  const response = http.get(target, { tags: { name: 'gateway /productpage' } });
  check(response, {
    'gateway: status is 200': (r) => r.status === 200,
    'gateway: answered by the sample app (JSON)': (r) => (r.headers['Content-Type'] || '').startsWith('application/json'),
  });
}
