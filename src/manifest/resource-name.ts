// Derives a Docker/Kubernetes-safe name (DNS-1123 label) from a job name.
const MAX_RESOURCE_NAME = 63;

/** Lower-cases, turns '_', '.' (and anything else outside a-z0-9-) into '-', caps at 63, trims '-' at both ends. */
export function resourceName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+/, '')
    .slice(0, MAX_RESOURCE_NAME)
    .replace(/-+$/, '');
}
