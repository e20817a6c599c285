export { loadSettings, SETTING_FLAGS, type Settings, type SettingName } from './load-settings.js';
