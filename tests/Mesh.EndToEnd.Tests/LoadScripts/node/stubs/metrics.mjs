// The stand-in for 'k6/metrics': each custom metric records its name, its kind and what was added to it.
import { metrics } from './recorder.mjs';

class Metric {
  constructor(kind, name) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new Error(`k6/metrics: '${name}' is not a valid metric name`);
    }
    this.name = name;
    metrics[name] = { kind, added: [] };
  }

  add(value) {
    metrics[this.name].added.push(Number(value));
  }
}

export class Counter extends Metric { constructor(name) { super('counter', name); } }
export class Rate extends Metric { constructor(name) { super('rate', name); } }
export class Trend extends Metric { constructor(name) { super('trend', name); } }
export class Gauge extends Metric { constructor(name) { super('gauge', name); } }
export default { Counter, Rate, Trend, Gauge };
