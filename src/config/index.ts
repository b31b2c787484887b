// The config stage's public face: load, parse, validate, names, store and the shared resource types.
export * from './types.js';
export * from './kinds.js';
export * from './parse.js';
export * from './load.js';
export * from './mesh-config.js';
export * from './snapshot.js';
export { KindGenerations } from './kind-generations.js';
export type * from './istio-types.js';
export * from './names.js';
export * from './validate/index.js';
export * from './store.js';
export * from './decode.js';
export * from './persist/write-ahead-log.js';
export { encodedJson, encodedSize } from './encoded-json.js';
