// Kubernetes quantity syntax (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/): a decimal number and a suffix.
const QUANTITY = /^(\d+(?:\.\d*)?|\.\d+)([A-Za-z]*)$/;

/** Returns number × multiplier of the suffix, or undefined when the text or suffix is not allowed. */
export function parseQuantity(q: string, multipliers: Readonly<Record<string, number>>): number | undefined {
  const match = QUANTITY.exec(q);
  if (!match) return undefined;
  const multiplier = Object.hasOwn(multipliers, match[2]!) ? multipliers[match[2]!] : undefined;
  if (multiplier === undefined) return undefined;
  const value = Number(match[1]) * multiplier;
  return Number.isFinite(value) ? value : undefined;
}
