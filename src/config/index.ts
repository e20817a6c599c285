export { loadSettings, settingEnvName, SETTING_FLAGS, type Settings, type SettingName } from './load-settings.js';
