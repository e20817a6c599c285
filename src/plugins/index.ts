// The plugins capability: find, check, load, install and remove plugins; it knows no job type.
export { PLUGIN_CATEGORIES, PLUGIN_MANIFEST, parsePluginManifest, type PluginCategory, type PluginManifest } from './plugin-manifest.js';
export { PluginStore, type LoadedPlugin, type PluginCheck, type SkippedPlugin } from './plugin-store.js';
export { MAX_PLUGIN_ZIP_BYTES, PluginsService, type DeployedVersion, type PluginView } from './plugins-service.js';
