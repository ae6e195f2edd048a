// Loads each k6 script given on the command line under Node, as k6 would in its init stage (k6's modules replaced by
// the stand-ins of stubs/, see hooks.mjs), then runs each scenario's function once against a healthy mesh's answer.
// Prints one JSON object per script: its options, the checks it made and whether they held, the custom metrics it
// created and the requests it sent; or the error that stopped it. Exit code 1 when any script failed to load or run.
import { register } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

register('./hooks.mjs', import.meta.url);
const recorder = await import('./stubs/recorder.mjs');

// k6's globals in the init stage: the environment (-e NAME=value; empty, so the scripts' defaults apply) and open().
globalThis.__ENV = {};
globalThis.__VU = 0;
globalThis.__ITER = 0;

let failed = false;
for (const script of process.argv.slice(2)) {
  const path = resolve(script);
  recorder.reset(dirname(path));
  globalThis.open = (file) => readFileSync(resolve(dirname(path), file), 'utf8');
  try {
    const module = await import(pathToFileURL(path).href);
    const options = module.options ?? null;
    const ran = [];
    globalThis.__VU = 1;
    for (const [name, scenario] of Object.entries(options?.scenarios ?? {})) {
      const exec = scenario.exec ?? 'default';
      if (typeof module[exec] !== 'function') {
        throw new Error(`scenario ${name} runs '${exec}', which the script does not export as a function`);
      }
      await module[exec]();
      ran.push(name);
    }
    console.log(JSON.stringify({
      script,
      options,
      exports: Object.keys(module),
      ran,
      checks: { ...recorder.checks },
      metrics: Object.fromEntries(Object.entries(recorder.metrics).map(([n, m]) => [n, m.kind])),
      requests: recorder.calls.map((c) => `${c.method} ${c.url}`),
    }));
  } catch (error) {
    failed = true;
    console.log(JSON.stringify({ script, error: String(error?.stack ?? error) }));
  }
}
process.exitCode = failed ? 1 : 0;
