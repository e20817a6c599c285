// Where the built-in job-type plugins live: each folder beside this file with a plugin.yaml is one.
import { fileURLToPath } from 'node:url';

export const BUILT_IN_PLUGINS = fileURLToPath(new URL('.', import.meta.url));
