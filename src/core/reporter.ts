// Push output through one reporter, Heroku style: `-----> phase`, `       detail`, `=====> Warning: …`, ` !     error`.
// Build and deploy code write here, never to a socket; the reporter fans out to the pusher and the deploy log.

export type Sink = (text: string) => void;

export class Reporter {
  private readonly sinks: Sink[];
  constructor(...sinks: Sink[]) {
    this.sinks = sinks;
  }

  addSink(sink: Sink): void {
    this.sinks.push(sink);
  }

  phase(message: string): void {
    this.write(`-----> ${message}\n`);
  }

  info(message: string): void {
    this.write(indent(message, '       '));
  }

  warn(message: string): void {
    this.write(indent(message, '=====> Warning: '));
  }

  error(message: string): void {
    this.write(indent(message, ' !     '));
  }

  /** Build tool output, passed through line by line with the detail indent. */
  output(chunk: string): void {
    this.write(indent(chunk.replace(/\n$/, ''), '       '));
  }

  /** Text another reporter already formatted (what came before a deployment existed), passed on as it is. */
  replay(text: string): void {
    this.write(text);
  }

  private write(text: string): void {
    for (const sink of this.sinks) sink(text);
  }
}

function indent(text: string, prefix: string): string {
  return text.split('\n').map((l) => `${prefix}${l}`).join('\n') + '\n';
}
