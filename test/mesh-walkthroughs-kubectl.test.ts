// Issue #12's "Done when", with the oldest and newest kubectl against `switchyard up --demo
// bookinfo` (one mesh per kubectl version), istioctl replaced by switchyard:
// (a) the hands-on exercise command for command: `kubectl port-forward svc/productpage`, a curl loop
//     on the product page, VirtualService all-v1, reviews 80/20, a ratings delay, then fortio:
//     `kubectl apply -f samples/httpbin/sample-client/fortio-deploy.yaml`, `kubectl wait
//     --for=condition=ready pod -l app=fortio`, a DestinationRule circuit breaker on reviews,
//     `kubectl exec $FORTIO_POD -c fortio -- fortio load -c 3 -qps 0 -n 30 http://reviews:9080/...`
//     showing `Code 503` lines, and cleanup;
// (b) Istio's request-routing and fault-injection tasks (istio.io tasks/traffic-management), their
//     browser steps done as `kubectl exec deploy/sleep -- curl ...` from Istio's sleep sample.
// Istio's YAML comes from our copies in test/fixtures/istio-tasks (no ../shared needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fixture } from './helpers/shared.js';
import { get, startMesh } from './helpers/mesh.js';
import { kubectlVersions, runKubectl } from './kube-support.js';
import { assertBinomial } from './helpers/binomial.js';

const istio = (name: string) => fixture('istio-tasks', name);
const REVIEWS_FALLBACK = 'Sorry, product reviews are currently unavailable for this book.';
const RATINGS_UNAVAILABLE = 'Ratings service is currently unavailable';

for (const { version, bin, skip } of kubectlVersions()) {
  test(
    `kubectl ${version}: the hands-on exercise and Istio's routing and fault tasks`,
    { skip },
    async () => {
      const mesh = await startMesh(['--demo', 'bookinfo']);
      const env = { ...process.env, KUBECONFIG: join(mesh.home, 'kubeconfig'), HOME: mesh.home };
      const kubectl = async (...args: string[]): Promise<string> => {
        const r = await runKubectl(bin!, args, env);
        assert.equal(r.code, 0, `kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`);
        return r.stdout;
      };
      // `kubectl port-forward svc/productpage 9080:9080`, on a free local port (`:9080`) so parallel
      // runs never collide; kubectl prints the port it chose.
      const pf = spawn(bin!, ['port-forward', 'svc/productpage', ':9080'], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const local = await new Promise<number>((resolve, reject) => {
          let out = '';
          pf.stdout.setEncoding('utf8').on('data', (d: string) => {
            out += d;
            const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 9080/.exec(out);
            if (m) resolve(Number(m[1]));
          });
          pf.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
          pf.once('exit', (code) => reject(new Error(`port-forward exited ${code}: ${out}`)));
        });
        const page = `http://localhost:${local}/productpage`;
        // `for i in $(seq 1 N); do curl -s http://localhost:9080/productpage | grep ...; done`
        const starShare = async (n: number): Promise<number> => {
          let stars = 0;
          for (let i = 0; i < n; i++) {
            const r = await get(page);
            assert.equal(r.status, 200);
            if (r.body.includes('glyphicon glyphicon-star')) stars++;
          }
          return stars / n;
        };
        assert.ok((await starShare(12)) > 0, 'without a VirtualService v2 and v3 serve too');

        // (a) the hands-on exercise.
        await kubectl('apply', '-f', istio('virtual-service-all-v1.yaml'));
        assert.equal(await starShare(10), 0, 'all-v1: no stars');
        await kubectl('apply', '-f', istio('virtual-service-reviews-80-20.yaml'));
        const share = await starShare(100);
        assertBinomial(Math.round(share * 100), 100, 0.2, '80/20: pages with stars');
        await kubectl('apply', '-f', fixture('mesh', 'ratings-delay-2s.yaml'));
        const timed = await kubectl(
          'exec',
          'deploy/productpage-v1',
          '--',
          'curl',
          '-s',
          '-o',
          '/dev/null',
          '-w',
          '%{http_code} %{time_total}',
          'http://ratings:9080/ratings/0',
        );
        const [code, seconds] = timed.split(' ');
        assert.equal(code, '200');
        assert.ok(Number(seconds) >= 2, `the 2s delay: ${timed}`);
        // Back to all-v1 (it holds ratings' own route), as the tasks reset between steps.
        await kubectl('apply', '-f', istio('virtual-service-all-v1.yaml'));

        assert.match(
          await kubectl('apply', '-f', istio('fortio-deploy.yaml')),
          /deployment\.apps\/fortio-deploy created/,
        );
        await kubectl('wait', '--for=condition=ready', 'pod', '-l', 'app=fortio', '--timeout=60s');
        const fortioPod = await kubectl(
          'get',
          'pods',
          '-l',
          'app=fortio',
          '-o',
          'jsonpath={.items[0].metadata.name}',
        );
        assert.match(fortioPod, /^fortio-deploy-[a-z0-9]+-[a-z0-9]{5}$/);
        await kubectl('apply', '-f', fixture('resilience', 'reviews-circuit-breaker.yaml'));
        const load = await kubectl(
          'exec',
          fortioPod,
          '-c',
          'fortio',
          '--',
          'fortio',
          'load',
          '-c',
          '3',
          '-qps',
          '0',
          '-n',
          '30',
          '-loglevel',
          'Warning',
          'http://reviews:9080/reviews/0',
        );
        assert.match(load, /^Code 200 : \d+ /m);
        assert.match(load, /^Code 503 : \d+ /m);
        // Cleanup, as the exercise ends.
        await kubectl('delete', '-f', istio('fortio-deploy.yaml'));
        await kubectl('delete', '-f', istio('virtual-service-all-v1.yaml'));
        await kubectl('apply', '-f', istio('destination-rule-all.yaml'));
        await kubectl('wait', '--for=delete', 'pod', '-l', 'app=fortio', '--timeout=60s');

        // (b) Istio's request-routing task.
        await kubectl('apply', '-f', istio('sleep.yaml'));
        await kubectl('rollout', 'status', 'deploy/sleep', '--timeout=60s');
        const curl = (...args: string[]) =>
          kubectl('exec', 'deploy/sleep', '-c', 'sleep', '--', 'curl', '-s', ...args);
        assert.match(
          await curl('http://productpage:9080/productpage'),
          /<title>Simple Bookstore App<\/title>/,
        );
        await kubectl('apply', '-f', istio('virtual-service-all-v1.yaml'));
        for (let i = 0; i < 5; i++)
          assert.doesNotMatch(await curl('http://productpage:9080/productpage'), /glyphicon-star/);
        await kubectl('apply', '-f', istio('virtual-service-reviews-test-v2.yaml'));
        // Signing in as jason (the task's browser step): productpage's session cookie, then the page.
        const login = await curl(
          '-i',
          '-d',
          'username=jason&passwd=jason',
          'http://productpage:9080/login',
        );
        const cookie = /^set-cookie: ([^;\r\n]+)/im.exec(login)?.[1];
        assert.ok(cookie, login);
        const asJason = () =>
          curl('-H', `Cookie: ${cookie}`, 'http://productpage:9080/productpage');
        const jasonPage = await asJason();
        assert.match(jasonPage, /glyphicon glyphicon-star/, 'jason sees v2 (black stars)');
        assert.match(jasonPage, /color="black"/);
        assert.doesNotMatch(await curl('http://productpage:9080/productpage'), /glyphicon-star/);

        // Istio's fault-injection task: a 7s delay for jason trips productpage's timeouts to reviews.
        await kubectl('apply', '-f', istio('virtual-service-ratings-test-delay.yaml'));
        assert.ok((await asJason()).includes(REVIEWS_FALLBACK), 'delay: reviews unavailable');
        assert.doesNotMatch(await curl('http://productpage:9080/productpage'), /unavailable/);
        // ... and an HTTP abort for jason: ratings unavailable on his page only.
        await kubectl('apply', '-f', istio('virtual-service-ratings-test-abort.yaml'));
        assert.ok((await asJason()).includes(RATINGS_UNAVAILABLE), 'abort: ratings unavailable');
        assert.ok(
          !(await curl('http://productpage:9080/productpage')).includes(RATINGS_UNAVAILABLE),
        );
        await kubectl('delete', '-f', istio('virtual-service-all-v1.yaml'));
      } finally {
        pf.kill();
        await mesh.stop();
      }
    },
  );
}
