// The sidecar path: k6 in a meshed pod → its sidecar (outbound, captured) → productpage's sidecar (mTLS) →
// productpage, which calls details and reviews through its own sidecar. Run it in the bookinfo namespace, where
// injection gives the k6 pod a sidecar (loadtests/k6/pod/k6-sidecar.yaml, see the README), or from your machine
// through a port-forward to productpage (that first hop then skips the sidecar; the calls productpage makes still
// take the sidecar → sidecar path):
//   kubectl -n bookinfo port-forward deploy/productpage-v1 9080 &
//   k6 run -e TARGET_URL=http://localhost:9080/productpage loadtests/k6/sidecar.js
import http from 'k6/http';
import { check } from 'k6';
import { THRESHOLDS, constantRate, env, latencyAndErrors } from './lib/config.js';

const target = env('TARGET_URL', 'http://productpage.bookinfo:9080/productpage');

export const options = {
  scenarios: {
    sidecar: constantRate({ tags: { path: 'sidecar' } }),
  },
  thresholds: {
    ...latencyAndErrors(THRESHOLDS.sidecar),
    checks: ['rate>0.99'],
  },
};

export default function () {
  const response = http.get(target, { tags: { name: 'sidecar productpage' } });
  check(response, {
    'sidecar: status is 200': (r) => r.status === 200,
    'sidecar: answered by the sample app (JSON)': (r) => (r.headers['Content-Type'] || '').startsWith('application/json'),
  });
}
