// The swagger-ui-dist files a compiled wrapper's /docs page loads (the golang and rust wrappers take --swagger-ui-dir).
import { dirname } from 'node:path';
import { createRequire } from 'node:module';

export const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
/** what /docs loads: copied into an image, beside the binary */
export const SWAGGER_UI_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'];
