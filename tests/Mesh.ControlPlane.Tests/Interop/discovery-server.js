'use strict';
// A grpc-js stand-in for the control plane's discovery service: `node discovery-server.js`, reports "ready" with its
// port, then every request it receives. It answers a subscribe to clusters with one cluster, version "v1".
const { grpc, loadServices, pack, report } = require('./contract');

const services = loadServices();
const clusterType = 'type.googleapis.com/mesh.discovery.v1.Cluster';
let nonces = 0;

const server = new grpc.Server();
server.addService(services.discovery.AggregatedDiscoveryService.service, {
  StreamResources(call) {
    call.on('data', (request) => {
      report({
        event: 'request',
        node_id: request.node ? request.node.id : '',
        type_url: request.type_url,
        version_info: request.version_info,
        response_nonce: request.response_nonce,
        error: request.error_detail ? request.error_detail.message : null,
      });
      if (request.type_url === clusterType && request.response_nonce === '') {
        call.write({
          type_url: clusterType,
          version_info: 'v1',
          nonce: `stub-${++nonces}`,
          resources: [pack('mesh.discovery.v1.Cluster', {
            name: 'backend', protocol: 'UPSTREAM_PROTOCOL_HTTP1', lb_policy: 'LOAD_BALANCER_POLICY_ROUND_ROBIN', connect_timeout_ms: 2000,
          })],
        });
      }
    });
    call.on('end', () => call.end());
    call.on('error', () => {});
  },
});

server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    console.error(`bind failed: ${error.message}`);
    process.exit(1);
  }
  report({ event: 'ready', port });
});
