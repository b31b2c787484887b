// The analyze stage's public face: istioctl-compatible analysis of a ConfigSnapshot.
export { analyze, selectAnalyzers, type AnalyzeOptions } from './analyze.js';
export { ALL_ANALYZERS, findAnalyzer } from './registry.js';
export { MESSAGES, messageType, isKnownCode, type MessageType } from './messages.js';
export { defaultIngressResources, withDefaultResources } from './defaults.js';
export { goSprintf, goQuote, type GoValue } from './go-format.js';
export * from './format.js';
export type { AnalysisMessage, Analyzer, AnalysisContext } from './types.js';
