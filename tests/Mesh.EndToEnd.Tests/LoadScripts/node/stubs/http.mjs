// The stand-in for 'k6/http': every request gets the sample app's answer through the mesh, as on a healthy bookinfo
// (productpage called details, retried once, and reviews).
import { calls } from './recorder.mjs';

const sampleAnswer = {
  service: 'productpage',
  version: 'v1',
  namespace: 'bookinfo',
  chain: ['productpage-v1', 'details-v1', 'reviews-v1'],
  headers: {},
  upstreams: [
    { url: 'http://details:9080/', status: 200, reply: { service: 'details', version: 'v1', chain: ['details-v1'], headers: { 'x-envoy-attempt-count': '2' }, upstreams: [] } },
    { url: 'http://reviews:9080/', status: 200, reply: { service: 'reviews', version: 'v1', chain: ['reviews-v1'], headers: { 'x-envoy-attempt-count': '1' }, upstreams: [] } },
  ],
};

function respond(method, url, params) {
  if (typeof url !== 'string' || !/^https?:\/\/[^/]+/.test(url)) {
    throw new Error(`k6/http ${method}: '${url}' is not an absolute http(s) URL`);
  }
  calls.push({ method, url, tags: (params && params.tags) || {} });
  return {
    status: 200,
    url,
    body: JSON.stringify(sampleAnswer),
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    timings: { duration: 3, waiting: 2 },
    error: '',
    json: () => JSON.parse(JSON.stringify(sampleAnswer)),
  };
}

export function get(url, params) { return respond('GET', url, params); }
export function post(url, _body, params) { return respond('POST', url, params); }
export function request(method, url, _body, params) { return respond(method, url, params); }
export function expectedStatuses(...statuses) { return { statuses }; }
export function setResponseCallback() {}
export default { get, post, request, expectedStatuses, setResponseCallback };
