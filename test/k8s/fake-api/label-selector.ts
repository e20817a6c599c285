// Kubernetes label selectors as list and watch take them (`a=b,c!=d,e,!f,g in (x,y),h notin (z)`), and field
// selectors (`metadata.name=x,involvedObject.name=y`): enough of the grammar for kubectl and client-node.
type Labels = Record<string, string> | undefined;
type Requirement = (labels: Labels) => boolean;

export function parseLabelSelector(text: string | null): Requirement {
  if (!text) return () => true;
  const parts = text.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  const reqs = parts.map((raw) => raw.trim()).filter(Boolean).map(parseRequirement);
  return (labels) => reqs.every((r) => r(labels));
}

function parseRequirement(req: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(req);
  if (set) {
    const [, key, op, list] = set as unknown as [string, string, string, string];
    const values = new Set(list.split(',').map((v) => v.trim()));
    return op === 'in' ? (l) => l?.[key] !== undefined && values.has(l[key]!) : (l) => l?.[key] === undefined || !values.has(l[key]!);
  }
  const eq = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(req);
  if (eq) {
    const [, key, op, value] = eq as unknown as [string, string, string, string];
    return op === '!=' ? (l) => l?.[key] !== value : (l) => l?.[key] === value;
  }
  if (req.startsWith('!')) return (l) => l?.[req.slice(1)] === undefined;
  if (/^[A-Za-z0-9./_-]+$/.test(req)) return (l) => l?.[req] !== undefined;
  throw new Error(`unable to parse requirement: ${req}`);
}

export function parseFieldSelector(text: string | null): (obj: object) => boolean {
  if (!text) return () => true;
  const reqs = text.split(',').map((part) => {
    const m = /^([^!=]+?)(==|=|!=)(.*)$/.exec(part.trim());
    if (!m) throw new Error(`invalid field selector: ${part}`);
    const [, path, op, value] = m as unknown as [string, string, string, string];
    return (obj: object) => {
      const actual = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
      return op === '!=' ? String(actual ?? '') !== value : String(actual ?? '') === value;
    };
  });
  return (obj) => reqs.every((r) => r(obj));
}
