'use strict';
// Loads the interop test service definition (../Protos/interop.proto) with proto-loader, shared by server.js and client.js.
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

function loadInterop() {
  const definition = protoLoader.loadSync(path.join(__dirname, '..', 'Protos', 'interop.proto'), {
    keepCase: true,
    longs: String,
    defaults: true,
  });
  return grpc.loadPackageDefinition(definition).mesh.interop.v1.Interop;
}

module.exports = { grpc, loadInterop };
