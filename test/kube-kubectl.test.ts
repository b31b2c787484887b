// Real kubectl (the oldest and newest the issue names: 1.27 and 1.33) against the real admin server
// and store on port 0: what a user types from Istio's docs works unchanged and prints what it
// prints against a cluster (k8s.io/kubectl pkg/cmd/{apply,get,patch,delete,wait,diff,explain}).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../src/runtime/clock.js';
import { testStore } from './admin-test-support.js';
import { istioSample, kubectlVersions, startKubeServer, type KubeServer } from './kube-support.js';

const servers: KubeServer[] = [];
after(async () => {
  for (const s of servers) await s.admin.close();
});

const samples = istioSample('bookinfo', 'networking');
const net = (f: string) => join(samples ?? '', f);

for (const { version, bin, skip } of kubectlVersions()) {
  const noSamples = samples
    ? false
    : 'Istio samples (/work/shared/conformance/istio-samples) are absent';
  test(
    `kubectl ${version}: the Bookinfo routing lesson as Istio's docs write it`,
    { skip: skip || noSamples },
    async (t) => {
      const clock = new ManualClock(1_700_000_000_000);
      const store = testStore(clock);
      const s = await startKubeServer(store, clock);
      servers.push(s);
      const k = (args: string[], stdin?: string) => s.run(bin!, args, stdin);
      const ok = async (args: string[], stdin?: string) => {
        const r = await k(args, stdin);
        assert.equal(r.code, 0, `kubectl ${args.join(' ')}\n${r.stderr}`);
        return r.stdout;
      };

      await t.test('apply creates and prints kubectl lines', async () => {
        const out = await ok([
          'apply',
          '-f',
          net('bookinfo-gateway.yaml'),
          '-f',
          net('destination-rule-all.yaml'),
          '-f',
          net('virtual-service-all-v1.yaml'),
        ]);
        assert.match(out, /^gateway\.networking\.istio\.io\/bookinfo-gateway created$/m);
        assert.match(out, /^virtualservice\.networking\.istio\.io\/reviews created$/m);
        assert.ok(store.get('VirtualService', 'default', 'reviews'));
      });

      await t.test('get: table, -o name|json|yaml|wide|jsonpath, -l, -A', async () => {
        const table = await ok(['get', 'vs']);
        assert.match(table, /^NAME\s+GATEWAYS\s+HOSTS\s+AGE$/m);
        assert.match(table, /^reviews\s+\["reviews"\]\s+0s$/m);
        assert.match(await ok(['get', 'dr', '-o', 'wide']), /^NAME\s+HOST\s+AGE$/m);
        assert.match(
          await ok(['get', 'vs', '-o', 'name']),
          /^virtualservice\.networking\.istio\.io\/reviews$/m,
        );
        const json = JSON.parse(await ok(['get', 'vs', 'reviews', '-o', 'json'])) as {
          spec: { hosts: string[] };
        };
        assert.deepEqual(json.spec.hosts, ['reviews']);
        assert.match(await ok(['get', 'vs', 'reviews', '-o', 'yaml']), /^kind: VirtualService$/m);
        assert.equal(
          await ok([
            'get',
            'vs',
            'reviews',
            '-o',
            'jsonpath={.spec.http[0].route[0].destination.subset}',
          ]),
          'v1',
        );
        await ok(['label', 'vs', 'reviews', 'tier=backend']);
        assert.equal(
          (await ok(['get', 'vs', '-l', 'tier=backend', '-o', 'name'])).trim(),
          'virtualservice.networking.istio.io/reviews',
        );
        assert.match(
          await ok(['get', 'gw', '-A']),
          /^NAMESPACE\s+NAME\s+AGE\ndefault\s+bookinfo-gateway\s+/m,
        );
        assert.match(await ok(['get', 'crd']), /^virtualservices\.networking\.istio\.io\s+/m);
      });

      await t.test(
        '80/20: apply configures; --dry-run=server changes nothing; diff shows the change',
        async () => {
          const rev = store.revision;
          assert.match(
            await ok([
              'apply',
              '-f',
              net('virtual-service-reviews-80-20.yaml'),
              '--dry-run=server',
            ]),
            /reviews configured \(server dry run\)/,
          );
          assert.equal(store.revision, rev);
          const diff = await k(['diff', '-f', net('virtual-service-reviews-80-20.yaml')]);
          assert.equal(diff.code, 1, diff.stderr);
          assert.match(diff.stdout, /^\+\s+weight: 80$/m);
          assert.match(
            await ok(['apply', '-f', net('virtual-service-reviews-80-20.yaml')]),
            /reviews configured/,
          );
          const spec = store.get('VirtualService', 'default', 'reviews')?.spec as {
            http: { route: { weight: number }[] }[];
          };
          assert.deepEqual(
            spec.http[0]!.route.map((r) => r.weight),
            [80, 20],
          );
        },
      );

      await t.test(
        'patch: merge and json apply; strategic is refused for an Istio kind',
        async () => {
          await ok([
            'patch',
            'vs',
            'reviews',
            '--type',
            'merge',
            '-p',
            '{"spec":{"http":[{"route":[{"destination":{"host":"reviews","subset":"v3"}}]}]}}',
          ]);
          await ok([
            'patch',
            'vs',
            'reviews',
            '--type',
            'json',
            '-p',
            '[{"op":"replace","path":"/spec/http/0/route/0/destination/subset","value":"v2"}]',
          ]);
          assert.equal(
            await ok([
              'get',
              'vs',
              'reviews',
              '-o',
              'jsonpath={.spec.http[0].route[0].destination.subset}',
            ]),
            'v2',
          );
          const sm = await k(['patch', 'vs', 'reviews', '-p', '{"spec":{}}']);
          assert.equal(sm.code, 1);
          assert.match(
            sm.stderr,
            /the body of the request was in an unknown format - accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/apply-patch\+yaml/,
          );
        },
      );

      await t.test('strategic merge on a Kubernetes kind merges containers by name', async () => {
        const dep = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: a, image: "a:1"}, {name: b, image: "b:1"}]
`;
        await ok(['apply', '-f', '-'], dep);
        await ok([
          'patch',
          'deployment',
          'web',
          '-p',
          '{"spec":{"template":{"spec":{"containers":[{"name":"b","image":"b:2"}]}}}}',
        ]);
        assert.equal(
          await ok([
            'get',
            'deploy',
            'web',
            '-o',
            'jsonpath={.spec.template.spec.containers[*].image}',
          ]),
          'a:1 b:2',
        );
      });

      await t.test('describe, explain', async () => {
        assert.match(await ok(['describe', 'vs', 'reviews']), /^Name:\s+reviews$/m);
        assert.match(await ok(['explain', 'virtualservice.spec.http.retries']), /attempts/);
      });

      await t.test(
        'server-side apply: conflicts name the other manager; --force-conflicts takes over',
        async () => {
          const clash = await k([
            'apply',
            '--server-side',
            '-f',
            net('virtual-service-reviews-v3.yaml'),
          ]);
          assert.equal(clash.code, 1);
          assert.match(
            clash.stderr,
            /Apply failed with 1 conflict: conflict with "kubectl-[a-z-]+" using networking\.istio\.io\/v1: \.spec\.http/,
          );
          assert.match(
            await ok([
              'apply',
              '--server-side',
              '--force-conflicts',
              '-f',
              net('virtual-service-reviews-v3.yaml'),
            ]),
            /reviews serverside-applied/,
          );
        },
      );

      await t.test('get -w sees changes; wait --for=delete and --for=condition', async () => {
        const watching = s.watch(bin!, ['get', 'vs', '-w', '--output-watch-events'], (out) =>
          /DELETED\s+ratings/.test(out),
        );
        // Both clients are watching before the deletion happens (the server counts open watches).
        await s.watchesOpen(1);
        const waiting = k(['wait', '--for=delete', 'vs/ratings', '--timeout=60s']);
        await s.watchesOpen(2);
        await ok(['delete', 'vs', 'ratings']);
        const w = await waiting;
        assert.equal(w.code, 0, w.stderr);
        assert.match(w.stdout, /virtualservice\.networking\.istio\.io\/ratings condition met/);
        const watched = await watching;
        assert.match(watched.stdout, /DELETED\s+ratings/);
        assert.match(
          await ok([
            'wait',
            '--for=condition=Established',
            'crd/virtualservices.networking.istio.io',
            '--timeout=10s',
          ]),
          /condition met/,
        );
      });

      await t.test('errors read as on a cluster', async () => {
        const missing = await k(['get', 'vs', 'nope']);
        assert.match(
          missing.stderr,
          /Error from server \(NotFound\): virtualservices\.networking\.istio\.io "nope" not found/,
        );
        const bad = await k(
          ['apply', '-f', '-'],
          'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: neg}\nspec:\n  hosts: [x]\n  http: [{route: [{destination: {host: x}, weight: -1}]}]\n',
        );
        assert.equal(bad.code, 1);
        assert.match(
          bad.stderr,
          /admission webhook "validation\.istio\.io" denied the request: configuration is invalid: /,
        );
        assert.equal(store.get('VirtualService', 'default', 'neg'), undefined);
      });

      await t.test('delete -f removes what apply made', async () => {
        assert.match(
          await ok(['delete', '-f', net('destination-rule-all.yaml')]),
          /destinationrule\.networking\.istio\.io "reviews" deleted/,
        );
        assert.equal(store.list('DestinationRule').length, 0);
      });

      await t.test("every networking sample of Istio's applies unchanged", async () => {
        for (const f of readdirSync(samples!).filter((n) => n.endsWith('.yaml')))
          await ok(['apply', '-f', net(f)]);
      });
    },
  );
}
