'use strict';
// Loads the mesh's wire contract (src/Contracts/Protos) and grpc.health.v1 with proto-loader, and the resource
// messages with protobufjs: an implementation independent of the C# generated from the same .proto files.
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const contractRoot = path.join(__dirname, '..', '..', '..', 'src', 'Contracts', 'Protos');
const discoveryProto = 'mesh/discovery/v1/discovery.proto';
const certificateProto = 'mesh/security/v1/certificate.proto';
const typePrefix = 'type.googleapis.com/';

function loadServices() {
  const definition = protoLoader.loadSync([discoveryProto, certificateProto, 'grpc/health/v1/health.proto'], {
    includeDirs: [contractRoot, path.join(__dirname, 'protos')],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition);
  return { discovery: loaded.mesh.discovery.v1, security: loaded.mesh.security.v1, health: loaded.grpc.health.v1 };
}

// The resources a DiscoveryResponse packs in google.protobuf.Any, decoded and encoded by type URL.
const resources = new protobuf.Root();
resources.resolvePath = (_origin, target) => path.join(contractRoot, target);
resources.loadSync(discoveryProto, { keepCase: true });

function unpack(any) {
  return resources.lookupType(any.type_url.slice(typePrefix.length)).decode(any.value);
}

function pack(typeName, fields) {
  const type = resources.lookupType(typeName);
  return { type_url: typePrefix + typeName, value: Buffer.from(type.encode(type.fromObject(fields)).finish()) };
}

// One JSON object per line on stdout: the .NET test reads them as they come.
function report(object) {
  process.stdout.write(JSON.stringify(object) + '\n');
}

module.exports = { grpc, loadServices, unpack, pack, report };
