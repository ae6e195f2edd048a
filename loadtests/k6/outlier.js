// Outlier detection: one of reviews' two endpoints fails every request; config/outlier.yaml's DestinationRule ejects
// it after 3 consecutive 5xx, and its VirtualService turns retries off so the failures before the ejection are seen.
// Two scenarios one after the other: "until_ejected" must see the bad endpoint fail (else nothing was tested), and
// "after_ejection" must see an error rate under 1%.
//   kubectl -n bookinfo patch deployment reviews-v2 --type json \
//     -p '[{"op":"add","path":"/spec/template/spec/containers/0/args/-","value":"--fail-percent"},
//          {"op":"add","path":"/spec/template/spec/containers/0/args/-","value":"100"}]'
//   kubectl apply -f loadtests/k6/config/outlier.yaml
//   k6 run loadtests/k6/outlier.js                        (minikube: -e GATEWAY_URL=http://<tunnel IP>)
import http from 'k6/http';
import { check } from 'k6';
import { GATEWAY_URL, THRESHOLDS, constantRate, env, latencyAndErrors } from './lib/config.js';

const target = GATEWAY_URL + env('URL_PATH', '/productpage');
/** How long the first scenario runs: the bad endpoint is ejected within its first few requests. */
const ejectionWindow = env('EJECTION_WINDOW', '10s');

const row = THRESHOLDS.outlier;
const after = latencyAndErrors(row);
export const options = {
  scenarios: {
    until_ejected: constantRate({ duration: ejectionWindow, tags: { path: 'gateway', failure: 'outlier' } }),
    after_ejection: constantRate({ startTime: ejectionWindow, tags: { path: 'gateway', failure: 'outlier' } }),
  },
  thresholds: {
    // Thresholds on a scenario's own requests: k6 tags each with its scenario's name.
    'http_req_failed{scenario:until_ejected}': ['rate>0'],
    'http_req_failed{scenario:after_ejection}': after.http_req_failed,
    'http_req_duration{scenario:after_ejection}': after.http_req_duration,
    'checks{scenario:after_ejection}': ['rate>0.99'],
  },
};

export default function () {
  const response = http.get(target, { tags: { name: 'outlier /productpage' } });
  check(response, {
    'outlier: status is 200': (r) => r.status === 200,
  });
}
