// The stand-in for 'k6': check() runs every condition and records whether it held.
import { checks } from './recorder.mjs';

export function check(value, conditions) {
  let all = true;
  for (const [name, condition] of Object.entries(conditions)) {
    const held = Boolean(condition(value));
    checks[name] = held;
    all = all && held;
  }
  return all;
}

export function sleep() {}
export function group(_name, body) { return body(); }
export function fail(message) { throw new Error(message); }
export default { check, sleep, group, fail };
