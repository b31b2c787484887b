// `switchyard test -f CONFIG... TESTS...`: route tests on Istio YAML for CI, each request traced with
// the proxy's own matcher; output as `go test -v` prints it (=== RUN / --- PASS / --- FAIL, then
// PASS or FAIL), exit 0/1 (usage 64), --junit FILE, --coverage with --fail-under PERCENT.
import type { Command } from 'commander';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileProxy, type ProxySnapshot } from '../../compile/index.js';
import { createConfigSnapshot, type ConfigSnapshot, type Resource } from '../../config/index.js';
import { resolveProxy, type Registry } from '../../registry/index.js';
import { certRoots } from '../../mesh/cert-roots.js';
import type {
  CaseResult,
  PointOfView,
  RouteTestCase,
  TestEnvironment,
  Trace,
  TraceOptions,
} from '../../explain/index.js';
import type * as ExplainModule from '../../explain/index.js';
import { fetchMesh, tokenHeader } from '../client.js';
import { EXIT } from '../exit-codes.js';
import { configFromFiles, unknownProxyMessage } from './proxy-config.js';
import type { ExplainBody } from './explain.js';

// The explain stage (and the proxy under it) loads when the command runs: other commands start without it.
let E: typeof ExplainModule;

interface Opts {
  filename?: string[];
  recursive: boolean;
  namespace: string;
  from?: string;
  gateway?: string;
  port?: string;
  junit?: string;
  coverage: boolean;
  failUnder?: string;
  server?: string;
  meshConfigFile?: string;
}

/** Every file under the paths: files as given, directories walked for .yaml/.yml/.json. */
function expand(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        const child = join(p, name);
        if (statSync(child).isDirectory() || /\.(ya?ml|json)$/.test(name)) walk(child);
      }
    } else out.push(p);
  };
  for (const p of paths) walk(p);
  return out;
}

/**
 * `-f` takes several paths, so config and tests may come in one list: a file with a top-level
 * `tests:` or `testCases:` key is a test file, any other is config.
 */
function isTestFile(file: string): boolean {
  return /^(tests|testCases):/m.test(readFileSync(file, 'utf8'));
}

function targetOf(view: PointOfView): { proxy?: string; target: TraceOptions['target'] } {
  if (view.gateway)
    return {
      proxy: view.gateway,
      target: { kind: 'gateway', ...(view.port !== undefined ? { port: view.port } : {}) },
    };
  return { ...(view.from ? { proxy: view.from } : {}), target: { kind: 'sidecar' } };
}

/** The VirtualService http rule (as written) a trace matched. */
function ruleIn(config: ConfigSnapshot, t: Trace): Record<string, unknown> | undefined {
  const vs = t.route?.virtualService;
  const origin = t.route?.origin;
  if (!vs || !origin) return undefined;
  const dot = vs.lastIndexOf('.');
  const r = config.get('VirtualService', vs.slice(dot + 1), vs.slice(0, dot));
  const http = (r?.spec as { http?: unknown[] } | undefined)?.http;
  const rule = http?.[origin.http];
  return rule && typeof rule === 'object' ? (rule as Record<string, unknown>) : undefined;
}

/**
 * Offline: compiles each point of view once. Without from:/gateway: (istio-config-validator files
 * have none) requests go out through a sidecar with no labels in the default namespace.
 */
function offlineEnvironment(
  config: ConfigSnapshot,
  registry: Registry,
  files: readonly string[],
  namespace: string,
): TestEnvironment {
  const snapshots = new Map<string, ProxySnapshot>();
  const locate = E.locatorFor(config);
  const tlsFileRoots = certRoots({ files });
  return {
    trace(test: RouteTestCase, request) {
      const { proxy: name, target } = targetOf(test.view);
      const key = name ?? '';
      let snap = snapshots.get(key);
      if (!snap) {
        const proxy = name
          ? resolveProxy(registry, name, namespace)
          : {
              kind: 'sidecar' as const,
              id: `switchyard-test.${namespace}`,
              namespace,
              labels: {},
              serviceAccount: 'default',
              ip: '127.0.0.1',
            };
        if (!proxy) throw new Error(unknownProxyMessage(name ?? '', registry));
        snap = compileProxy(config, registry, proxy, { tlsFileRoots });
        snapshots.set(key, snap);
      }
      return E.traceRequest(snap, request, { target, locate });
    },
    ruleOf: (t) => ruleIn(config, t),
  };
}

/** A running mesh: requests traced by POST /explain, config read from GET /config. */
async function serverEnvironment(
  server: string,
): Promise<{ env: TestEnvironment; config: ConfigSnapshot }> {
  const base = server.replace(/\/+$/, '');
  // The dump holds Secrets' data, so it needs the token.
  const res = await fetchMesh(server, `${base}/config`, { headers: tokenHeader() });
  if (!res.ok) throw new Error(`GET /config: HTTP ${res.status}`);
  const list = (await res.json()) as { items?: Record<string, unknown>[] };
  const resources: Resource[] = (list.items ?? []).map((raw) => {
    const md = (raw['metadata'] ?? {}) as { name?: string; namespace?: string };
    return {
      apiVersion: String(raw['apiVersion'] ?? ''),
      kind: String(raw['kind'] ?? ''),
      metadata: {
        name: md.name ?? '',
        namespace: md.namespace ?? 'default',
        labels: {},
        annotations: {},
      },
      namespaceExplicit: true,
      spec: raw['spec'],
      raw,
    };
  });
  const config = createConfigSnapshot(resources);
  const env: TestEnvironment = {
    async trace(test, request) {
      const { proxy, target } = targetOf(test.view);
      if (!proxy) throw new Error('with --server, say from: WORKLOAD or gateway: NAME');
      const body: ExplainBody = { proxy, target, request };
      const r = await fetchMesh(server, `${base}/explain`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await r.text();
      if (!r.ok) throw new Error(text.trim() || `HTTP ${r.status}`);
      return JSON.parse(text) as Trace;
    },
    ruleOf: (t) => ruleIn(config, t),
  };
  return { env, config };
}

function printResult(r: CaseResult): void {
  console.log(`=== RUN   ${r.test.name}`);
  if (r.passed) {
    console.log(`--- PASS: ${r.test.name} (0.00s)`);
    return;
  }
  console.log(`--- FAIL: ${r.test.name} (0.00s)`);
  const indent = (s: string) =>
    s
      .split('\n')
      .map((l) => `        ${l}`)
      .join('\n');
  if (r.error) console.log(`    ${r.test.file}:${r.test.line}: ${r.error}`);
  for (const f of r.failures) {
    console.log(`    ${r.test.file}:${r.test.line}:`);
    console.log(indent(E.formatFailure(f)));
  }
}

export function registerTest(program: Command): void {
  program
    .command('test [tests...]')
    .description(
      "route tests on Istio YAML (Switchyard's format or istio-config-validator's testCases), go-test output, --junit, --coverage",
    )
    .option('-f, --filename <path...>', 'config files or directories')
    .option('-R, --recursive', 'process config directories recursively', false)
    .option('-n, --namespace <ns>', 'namespace for objects without one', 'default')
    .option('--from <workload>', "default point of view: this workload's sidecar")
    .option('--gateway <name>', 'default point of view: this gateway')
    .option('--port <port>', "the gateway listener's port")
    .option('--junit <file>', 'write JUnit XML here')
    .option(
      '--coverage',
      'print route coverage (VirtualService rules, match blocks, destinations)',
      false,
    )
    .option('--fail-under <percent>', 'fail when http rule coverage is below this')
    .option('--server <url>', "test a running mesh's config (admin API)")
    .option(
      '--meshConfigFile <file>',
      'mesh config file (default: the istio ConfigMap in the files)',
    )
    .action(async (tests: string[], o: Opts) => {
      E = await import('../../explain/index.js');
      const usage = (msg: string) => {
        console.error(`error: ${msg}`);
        process.exitCode = EXIT.usage;
      };
      let testPaths: string[];
      let configPaths: string[];
      try {
        const all = expand([...(o.filename ?? []), ...tests]);
        testPaths = all.filter(isTestFile);
        configPaths = all.filter((f) => !isTestFile(f));
      } catch (err) {
        return usage((err as Error).message);
      }
      if (testPaths.length === 0)
        return usage('no test files (YAML with tests: or testCases:) among the paths');
      if (!o.server && configPaths.length === 0)
        return usage('-f CONFIG (or --server URL) is required');
      let failUnder: number | undefined;
      if (o.failUnder !== undefined) {
        failUnder = Number(o.failUnder);
        if (!Number.isFinite(failUnder) || failUnder < 0 || failUnder > 100)
          return usage(`invalid --fail-under ${o.failUnder}: a percentage 0..100`);
      }
      let port: number | undefined;
      if (o.port !== undefined) {
        port = Number(o.port);
        if (!Number.isInteger(port) || port < 1 || port > 65535)
          return usage(`invalid --port ${o.port}`);
      }
      const cliView: PointOfView = {
        ...(o.from ? { from: o.from } : {}),
        ...(o.gateway ? { gateway: o.gateway } : {}),
        ...(port !== undefined ? { port } : {}),
      };
      let cases: RouteTestCase[];
      try {
        cases = testPaths.flatMap((f) => E.readTestFile(f, cliView));
      } catch (err) {
        console.error(`error: ${(err as Error).message}`);
        // Malformed test files are data errors (EX_DATAERR); an invalid request URL is a usage error.
        process.exitCode =
          err instanceof E.TestFileError && !err.badRequest ? EXIT.dataError : EXIT.usage;
        return;
      }
      let env: TestEnvironment;
      let config: ConfigSnapshot;
      if (!o.server) {
        const loaded = configFromFiles(configPaths, o);
        if (!loaded.config || !loaded.registry) {
          for (const e of loaded.errors) console.error(`error: ${e}`);
          process.exitCode = EXIT.dataError;
          return;
        }
        config = loaded.config;
        env = offlineEnvironment(config, loaded.registry, configPaths, o.namespace);
      } else {
        try {
          ({ env, config } = await serverEnvironment(o.server));
        } catch (err) {
          console.error(`error: ${(err as Error).message}`);
          process.exitCode = EXIT.failure;
          return;
        }
      }
      const results: CaseResult[] = [];
      for (const c of cases) {
        const r = await E.runCase(c, env);
        results.push(r);
        printResult(r);
      }
      const failed = results.filter((r) => !r.passed).length;
      if (o.junit) writeFileSync(o.junit, E.junitXml(results));
      let coverageFailed = false;
      if (o.coverage || failUnder !== undefined) {
        const report = E.routeCoverage(
          config,
          results.flatMap((r) => r.traces),
        );
        process.stdout.write(E.renderCoverage(report));
        if (failUnder !== undefined && report.percent < failUnder) {
          console.log(
            `coverage ${report.percent.toFixed(1)}% of http rules is under --fail-under ${failUnder}%`,
          );
          coverageFailed = true;
        }
      }
      console.log(failed > 0 || coverageFailed ? 'FAIL' : 'PASS');
      console.log(
        `${failed > 0 ? 'FAIL' : 'ok'}\t${results.length} case(s), ${results.length - failed} passed, ${failed} failed`,
      );
      process.exitCode = failed > 0 || coverageFailed ? EXIT.failure : EXIT.ok;
    });
}
