// Labelled counters and histograms rendered in the Prometheus text format, for metrics recorded as events happen.
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format

type Labels<L extends string> = Record<L, string>;

abstract class Family<L extends string> {
  protected readonly series = new Map<string, Labels<L>>();

  constructor(readonly name: string, readonly help: string, readonly labelNames: readonly L[]) {}

  protected key(labels: Labels<L>): string {
    const key = this.labelNames.map((n) => labels[n]).join('\0');
    if (!this.series.has(key)) this.series.set(key, labels);
    return key;
  }

  protected labelText(labels: Labels<L>, extra = ''): string {
    const parts = this.labelNames.map((n) => `${n}="${escapeLabelValue(labels[n])}"`);
    if (extra) parts.push(extra);
    return parts.length ? `{${parts.join(',')}}` : '';
  }

  protected header(type: string): string[] {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${type}`];
  }

  abstract render(): string[];
}

export class Counter<L extends string = never> extends Family<L> {
  readonly #values = new Map<string, number>();

  inc(labels: Labels<L>, by = 1): void {
    const key = this.key(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }

  render(): string[] {
    const out = this.header('counter');
    // a counter without labels is one series: it reads 0 before its first event
    if (this.labelNames.length === 0 && this.series.size === 0) out.push(`${this.name} 0`);
    for (const [key, labels] of this.series) out.push(`${this.name}${this.labelText(labels)} ${this.#values.get(key) ?? 0}`);
    return out;
  }
}

export class Histogram<L extends string = never> extends Family<L> {
  readonly #observed = new Map<string, { buckets: number[]; sum: number; count: number }>();

  /** `buckets`: upper bounds in seconds, ascending; +Inf is implicit */
  constructor(name: string, help: string, labelNames: readonly L[], readonly buckets: readonly number[]) {
    super(name, help, labelNames);
  }

  observe(labels: Labels<L>, value: number): void {
    const key = this.key(labels);
    let o = this.#observed.get(key);
    if (!o) this.#observed.set(key, (o = { buckets: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 }));
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]!) i++;
    o.buckets[i]!++;
    o.sum += value;
    o.count++;
  }

  render(): string[] {
    const out = this.header('histogram');
    for (const [key, labels] of this.series) {
      const o = this.#observed.get(key)!;
      let cumulative = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        cumulative += o.buckets[i]!;
        const le = i < this.buckets.length ? String(this.buckets[i]) : '+Inf';
        out.push(`${this.name}_bucket${this.labelText(labels, `le="${le}"`)} ${cumulative}`);
      }
      out.push(`${this.name}_sum${this.labelText(labels)} ${o.sum}`, `${this.name}_count${this.labelText(labels)} ${o.count}`);
    }
    return out;
  }
}

/** A label value as the text format needs it: backslash, double quote and newline escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}
