// gRPC: unary grpc.health.v1.Health/Check calls at a constant rate. The sample app serves no gRPC, so by default this
// drives the one gRPC server every mesh install has, the control plane (istiod:15012, TLS with the mesh's root, the
// port proxies fetch their config from): from a pod of the mesh,
//   k6 run -e GRPC_CA=/path/root-cert.pem loadtests/k6/grpc.js
// or from your machine through a port-forward:
//   kubectl -n istio-system port-forward svc/istiod 15012 &
//   kubectl -n istio-system get configmap istio-ca-root-cert -o jsonpath='{.data.root-cert\.pem}' > root-cert.pem
//   k6 run -e GRPC_ADDR=localhost:15012 -e GRPC_CA=root-cert.pem -e GRPC_AUTHORITY=istiod.istio-system.svc loadtests/k6/grpc.js
// Any gRPC server that implements grpc.health.v1 (most do) is a target: GRPC_ADDR=your-service.ns:port with
// GRPC_PLAINTEXT=true for a meshed service (its sidecars carry the mTLS), GRPC_SERVICE to ask about one service.
import grpc from 'k6/net/grpc';
import { check } from 'k6';
import { Rate } from 'k6/metrics';
import { THRESHOLDS, constantRate, env, latencyAndErrors } from './lib/config.js';

const address = env('GRPC_ADDR', 'istiod.istio-system.svc:15012');
const plaintext = env('GRPC_PLAINTEXT', 'false') === 'true';
const authority = env('GRPC_AUTHORITY', '');
// open() only works in the init stage: the root is read once, here.
const caPath = env('GRPC_CA', '');
const rootCertificate = caPath === '' ? null : open(caPath);

const client = new grpc.Client();
client.load(['proto'], 'health.proto');

/** A call that did not come back OK and SERVING; the error-rate threshold reads it (k6 has no grpc_req_failed). */
const grpcFailed = new Rate('grpc_req_failed');

export const options = {
  scenarios: {
    grpc: constantRate({ tags: { path: 'grpc' } }),
  },
  thresholds: {
    ...latencyAndErrors(THRESHOLDS.grpc, 'grpc_req_duration', 'grpc_req_failed'),
    checks: ['rate>0.99'],
  },
  // Without GRPC_CA, a TLS target is not verified (say so: k6 prints this option in its summary).
  insecureSkipTLSVerify: !plaintext && rootCertificate === null,
};

let connected = false;

export default function () {
  if (!connected) {
    // Each virtual user keeps one connection (HTTP/2), as a gRPC client does.
    const params = { plaintext, timeout: '10s' };
    if (rootCertificate !== null) {
      params.tls = { cacerts: [rootCertificate] };
    }
    if (authority !== '') {
      params.authority = authority;
    }
    client.connect(address, params);
    connected = true;
  }

  const response = client.invoke('grpc.health.v1.Health/Check', { service: env('GRPC_SERVICE', '') }, { tags: { name: 'grpc Health/Check' } });
  const ok = response !== null && response.status === grpc.StatusOK;
  grpcFailed.add(!ok);
  check(response, {
    'grpc: status is OK': () => ok,
    'grpc: SERVING': (r) => ok && r.message.status === 'SERVING',
  });
}
