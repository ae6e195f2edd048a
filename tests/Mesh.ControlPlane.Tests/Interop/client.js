'use strict';
// A grpc-js client of the real control plane: `node client.js PORT SCENARIO [ARGS]`, reporting JSON lines on stdout.
//   discovery NODE_ID  subscribes, ACKs every response with its nonce, reports "acked" after the first four, then
//                      holds the stream open until stdin closes, ends it and reports the status.
//   certificate TOKEN  sends the CSR read from stdin with "authorization: Bearer TOKEN"; reports status and chain.
//   health             calls grpc.health.v1.Health/Check for the whole server; reports the serving status.
const { grpc, loadServices, unpack, report } = require('./contract');

const services = loadServices();
const [port, scenario, argument] = process.argv.slice(2);
const address = `127.0.0.1:${port}`;
const insecure = grpc.credentials.createInsecure();
const typeOrder = ['Cluster', 'ClusterLoadAssignment', 'Listener', 'RouteConfiguration'].map((t) => `type.googleapis.com/mesh.discovery.v1.${t}`);

function discovery(nodeId) {
  const client = new services.discovery.AggregatedDiscoveryService(address, insecure);
  const call = client.StreamResources();
  const received = [];
  call.on('data', (response) => {
    const names = response.resources.map((any) => {
      const resource = unpack(any);
      return resource.name || resource.cluster_name;
    });
    received.push({ type_url: response.type_url, version_info: response.version_info, nonce: response.nonce, names });
    call.write({ type_url: response.type_url, version_info: response.version_info, response_nonce: response.nonce });
    if (received.length === typeOrder.length) {
      report({ event: 'acked', responses: received });
    }
  });
  call.on('status', (status) => {
    report({ event: 'status', code: status.code, details: status.details });
    client.close();
  });
  call.on('error', () => {});
  call.write({
    node: { id: nodeId, role: 'PROXY_ROLE_SIDECAR', workload_name: 'frontend-v1', namespace: 'default', app_address: '127.0.0.1:8081', outbound_port: 15001, bind_address: '127.0.0.1' },
    type_url: typeOrder[0],
  });
  process.stdin.resume();
  process.stdin.on('end', () => call.end());
}

function certificate(token) {
  let csr = '';
  process.stdin.setEncoding('ascii');
  process.stdin.on('data', (chunk) => { csr += chunk; });
  process.stdin.on('end', () => {
    const client = new services.security.CertificateService(address, insecure);
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    client.CreateCertificate({ csr }, metadata, { deadline: Date.now() + 10000 }, (error, response) => {
      report(error
        ? { event: 'status', code: error.code, details: error.details }
        : { event: 'status', code: 0, details: '', cert_chain: response.cert_chain, trust_bundle: response.trust_bundle });
      client.close();
    });
  });
}

function health() {
  const client = new services.health.Health(address, insecure);
  client.Check({ service: '' }, { deadline: Date.now() + 10000 }, (error, response) => {
    report(error ? { event: 'status', code: error.code, details: error.details } : { event: 'status', code: 0, serving: response.status });
    client.close();
  });
}

const scenarios = { discovery, certificate, health };
if (!scenarios[scenario]) {
  console.error(`unknown scenario '${scenario}'; known: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
scenarios[scenario](argument);
