export { SecretBox } from './secret-box.js';
export { SecretsService, type SecretInfo } from './secrets-service.js';
