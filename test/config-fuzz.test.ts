// Config fuzz: random and mutated Istio resources go through the whole control plane — parse, validate,
// analyze, then compile every proxy of the resulting mesh (as `proxy-config -f` and `analyze -f` do,
// invalid objects included) — and nothing throws; bad input only ever becomes a diagnostic.
// FUZZ_RUNS sets the case count (default 10000, as the issue asks of `npm test`; 100000 on demand),
// FUZZ_SEED the seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { keys, mutated, random, runPipeline, seeds } from './helpers/config-fuzz.js';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 10000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);

test('the fuzz corpus has seeds', () => {
  assert.ok(seeds.length >= 10, `only ${seeds.length} seed files`);
  assert.ok(keys.includes('trafficPolicy') && keys.includes('http'));
});

// Crashes the fuzz found, kept as examples that run first (each fixed where it crashed).
const REGRESSIONS: string[] = [
  // analyze: Service ports not a list (service-registry.ts); now skipped as undecodable (decode.ts).
  'apiVersion: v1\nkind: Service\nmetadata: {name: reviews}\nspec: {ports: "(?=x"}',
  // analyze: Gateway servers a number (conflicting-gateway.ts); undecodable.
  'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {servers: -1}',
  // analyze: a null VirtualService host or gateway (virtual-service-gateway.ts); undecodable.
  'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v}\nspec: {hosts: [null], gateways: [null]}',
  // analyze: a Gateway API Gateway whose listeners are not a list (virtual-service-gateway.ts).
  'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: k}\nspec: {listeners: 3}\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v}\nspec: {hosts: [a], gateways: [k]}',
  // registry: `replicas: 1e308` (or .inf) looped to 1e308 making pods and ran out of memory; int32 now.
  'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 1e308, template: {metadata: {labels: {app: d}}}}',
  'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: .inf}',
];

test('the fuzz regressions pass the whole pipeline', () => {
  for (const text of REGRESSIONS) runPipeline(text);
});

test(`${FUZZ_RUNS} random and mutated configs: parse -> validate -> analyze -> compile never throws`, () => {
  fc.assert(
    fc.property(fc.oneof({ weight: 3, arbitrary: mutated }, random), (text) => runPipeline(text)),
    { numRuns: FUZZ_RUNS, seed: SEED, endOnFailure: true, includeErrorInReport: true },
  );
});
