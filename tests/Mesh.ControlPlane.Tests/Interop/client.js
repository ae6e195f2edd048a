'use strict';
// A grpc-js client of the real control plane: `node client.js PORT SCENARIO [ARG] [OPTIONS]`, reporting JSON lines on stdout.
//   discovery NODE_ID  subscribes as NODE_ID ("sidecar~frontend-v1.default": role, workload and namespace read from it),
//                      ACKs every response with its nonce, reports "acked" after the first four, then holds the stream
//                      open until stdin closes, ends it and reports the status (at once, if the control plane refuses it).
//   certificate TOKEN  sends the CSR read from stdin with "authorization: Bearer TOKEN"; reports status and chain.
//   health             calls grpc.health.v1.Health/Check for the whole server; reports the serving status.
// OPTIONS: --root FILE (TLS, verifying the control plane with this CA root bundle; else plaintext h2c),
//          --cert FILE --key FILE (the client certificate the handshake presents), --token TOKEN (discovery's bearer token).
const fs = require('fs');
const { grpc, loadServices, unpack, report } = require('./contract');

const services = loadServices();
const [port, scenario, ...rest] = process.argv.slice(2);
const argument = rest[0] && !rest[0].startsWith('--') ? rest.shift() : undefined;
const options = {};
for (let i = 0; i + 1 < rest.length; i += 2) options[rest[i].replace(/^--/, '')] = rest[i + 1];
const address = `127.0.0.1:${port}`;
const read = (file) => (file ? fs.readFileSync(file) : null);
const credentials = options.root
  ? grpc.credentials.createSsl(read(options.root), read(options.key), read(options.cert))
  : grpc.credentials.createInsecure();
const typeOrder = ['Cluster', 'ClusterLoadAssignment', 'Listener', 'RouteConfiguration'].map((t) => `type.googleapis.com/mesh.discovery.v1.${t}`);

function discovery(nodeId) {
  const [, role, workload, namespace] = /^(sidecar|router)~(.+)\.([^.]+)$/.exec(nodeId);
  const client = new services.discovery.AggregatedDiscoveryService(address, credentials);
  const metadata = new grpc.Metadata();
  if (options.token) metadata.set('authorization', `Bearer ${options.token}`);
  const call = client.StreamResources(metadata);
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
    node: {
      id: nodeId, role: role === 'router' ? 'PROXY_ROLE_ROUTER' : 'PROXY_ROLE_SIDECAR', workload_name: workload, namespace,
      app_address: '127.0.0.1:8081', outbound_port: 15001, bind_address: '127.0.0.1',
    },
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
    const client = new services.security.CertificateService(address, credentials);
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
  const client = new services.health.Health(address, credentials);
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
