// Merges a child manifest over its base (`extends`): mappings merge key by key, scalars and lists are replaced, the child wins.
export function deepMerge(base: Record<string, unknown>, child: Record<string, unknown>): Record<string, unknown> {
  const merged = new Map<string, unknown>(Object.entries(base));
  for (const [key, value] of Object.entries(child)) {
    const under = merged.get(key);
    merged.set(key, isMapping(under) && isMapping(value) ? deepMerge(under, value) : value);
  }
  return Object.fromEntries(merged);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
