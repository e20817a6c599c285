// The kubernetes target and its settings.
export { KubernetesTarget, type KubernetesTargetOptions } from './kubernetes-target.js';
export { kubernetesSettings, type KubernetesSettings, type ReachMode } from './kube-settings.js';
