'use strict';
// A grpc-js client for the interop tests: `node client.js PORT SCENARIO` prints one JSON line {code, details, texts}.
const { grpc, loadInterop } = require('./interop-proto');

const Interop = loadInterop();
const [port, scenario] = process.argv.slice(2);
const client = new Interop(`127.0.0.1:${port}`, grpc.credentials.createInsecure());

function finish(code, details, texts) {
  console.log(JSON.stringify({ code, details, texts }));
  client.close();
}

function unary(request, options) {
  client.Echo(request, options || {}, (error, response) => {
    if (error) {
      finish(error.code, error.details, []);
    } else {
      finish(0, '', [response.text]);
    }
  });
}

// Ping-pong: each write waits for the previous reply, so requests and replies interleave on one stream.
function duplex(words) {
  const texts = [];
  const call = client.Chat();
  call.on('data', (response) => {
    texts.push(response.text);
    if (texts.length < words.length) {
      call.write({ text: words[texts.length] });
    } else {
      call.end();
    }
  });
  call.on('status', (status) => finish(status.code, status.details, texts));
  call.on('error', () => {});
  call.write({ text: words[0] });
}

const scenarios = {
  unary: () => unary({ text: 'hello from grpc-js' }),
  error: () => unary({ fail_code: 7, fail_message: 'denied: café ✓ 100%' }),
  // Connect first: the deadline covers connection setup, and a slow start must not expire it before the server sees the call.
  deadline: () => client.Echo({ text: 'warm-up' }, (error) => {
    if (error) {
      finish(error.code, error.details, []);
      return;
    }
    unary({ hang: true }, { deadline: new Date(Date.now() + 500) });
  }),
  duplex: () => duplex(['one', 'two', 'three']),
};

if (!scenarios[scenario]) {
  console.error(`unknown scenario '${scenario}'; known: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
scenarios[scenario]();
