'use strict';
// A grpc-js server for the interop tests: `node server.js PORT` (0 picks a free port), prints "READY <port>" when listening.
const { grpc, loadInterop } = require('./interop-proto');

const Interop = loadInterop();

function reply(request) {
  return { text: request.text, payload: Buffer.alloc(request.reply_payload_size) };
}

const server = new grpc.Server();
server.addService(Interop.service, {
  Echo(call, callback) {
    const request = call.request;
    if (request.hang) {
      return; // never answers: the deadline or a cancellation ends the call
    }
    if (request.fail_code !== 0) {
      callback({ code: request.fail_code, details: request.fail_message });
      return;
    }
    callback(null, reply(request));
  },
  Chat(call) {
    let failed = false;
    call.on('data', (request) => {
      if (failed || request.hang) {
        return;
      }
      if (request.fail_code !== 0) {
        failed = true;
        call.emit('error', { code: request.fail_code, details: request.fail_message });
        return;
      }
      call.write(reply(request));
    });
    call.on('end', () => {
      if (!failed) {
        call.end();
      }
    });
    call.on('error', () => {});
  },
});

server.bindAsync(`127.0.0.1:${process.argv[2] || '0'}`, grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    console.error(`bind failed: ${error.message}`);
    process.exit(1);
  }
  console.log(`READY ${port}`);
});
