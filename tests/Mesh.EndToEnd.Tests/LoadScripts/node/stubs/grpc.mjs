// The stand-in for 'k6/net/grpc': a server that answers every call OK with SERVING. load() checks the proto files exist.
import { existsSync } from 'node:fs';
import { calls, scriptFolder } from './recorder.mjs';

export const StatusOK = 0;
export const StatusUnavailable = 14;

export class Client {
  load(importPaths, ...files) {
    for (const file of files) {
      if (!importPaths.some((p) => existsSync(`${scriptFolder()}/${p}/${file}`))) {
        throw new Error(`grpc Client.load: ${file} not found under ${importPaths.join(', ')} (relative to the script)`);
      }
    }
  }

  connect(address, params) {
    if (!/^[^:/]+:\d+$/.test(address)) {
      throw new Error(`grpc Client.connect: '${address}' is not host:port`);
    }
    calls.push({ method: 'CONNECT', url: address, tags: {}, params });
    return true;
  }

  invoke(method, request, params) {
    calls.push({ method: 'INVOKE', url: method, tags: (params && params.tags) || {}, request });
    return { status: StatusOK, message: { status: 'SERVING' }, headers: {}, trailers: {} };
  }

  close() {}
}

export default { Client, StatusOK, StatusUnavailable };
