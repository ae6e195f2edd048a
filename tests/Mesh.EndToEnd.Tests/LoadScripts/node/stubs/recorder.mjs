// What the stand-ins saw while a script ran: its checks (name → passed), the custom metrics it created and the
// requests it made; and the folder of the script being run (k6 resolves files relative to it).
export const checks = {};
export const metrics = {};
export const calls = [];
let folder = '';

export function scriptFolder() {
  return folder;
}

export function reset(scriptDirectory) {
  for (const table of [checks, metrics]) {
    for (const key of Object.keys(table)) delete table[key];
  }
  calls.length = 0;
  folder = scriptDirectory;
}
