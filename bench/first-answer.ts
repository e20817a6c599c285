// What push-to-serve benchmarks measure to: the first correct answer (42) of a URL, and medians.

export async function firstAnswer(url: string, init: RequestInit, deadline = Date.now() + 300_000): Promise<void> {
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url, init);
      if (r.status === 200 && (await r.text()).trim() === '42') return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no answer from ${url}`);
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
