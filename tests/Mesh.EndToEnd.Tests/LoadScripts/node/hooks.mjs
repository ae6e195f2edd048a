// Node module customization hooks: a k6 module ('k6', 'k6/http', ...) resolves to its stand-in under stubs/. A k6
// module with no stand-in fails the load, naming it, rather than passing unchecked.
const stubs = new Map([
  ['k6', 'k6.mjs'],
  ['k6/http', 'http.mjs'],
  ['k6/net/grpc', 'grpc.mjs'],
  ['k6/metrics', 'metrics.mjs'],
  ['k6/execution', 'execution.mjs'],
]);

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'k6' || specifier.startsWith('k6/')) {
    const file = stubs.get(specifier);
    if (file === undefined) {
      throw new Error(`no stand-in for the k6 module '${specifier}' (add one under LoadScripts/node/stubs)`);
    }
    return { url: new URL(`./stubs/${file}`, import.meta.url).href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
