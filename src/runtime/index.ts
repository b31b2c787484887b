export * from './clock.js';
export * from './random.js';
export * from './regex.js';
