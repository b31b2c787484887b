// Issue #5's acceptance walk, end to end: `switchyard up --demo bookinfo`, then the Istio traffic-
// management lab steps through the ingress gateway, changing config with the kubectl-style CLI.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from './helpers/shared.js';
import { get, send, startMesh, type RunningMesh } from './helpers/mesh.js';
import { assertBinomial } from './helpers/binomial.js';

let mesh: RunningMesh;

before(async () => {
  mesh = await startMesh();
});

after(async () => {
  await mesh?.stop();
});

async function productPages(n: number, headers: Record<string, string> = {}): Promise<string[]> {
  const bodies: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await get(`${mesh.gateway}/productpage`, headers);
    assert.equal(r.status, 200, `request ${i}: ${r.status} ${r.body.slice(0, 200)}`);
    bodies.push(r.body);
  }
  return bodies;
}

const hasStars = (body: string) => body.includes('glyphicon glyphicon-star');
const starShare = (bodies: string[]) => bodies.filter(hasStars).length / bodies.length;

// destination-rule-all.yaml defines ratings subsets v2-mysql and v2-mysql-vm, which no Bookinfo
// workload carries: istioctl reports IST0173 for them on a real cluster too, so they are expected here.
const LAB_BASELINE =
  /^Error \[IST0173\] \(DestinationRule default\/ratings\) The Subset v2-mysql(-vm)? /;

function analyzeClean(): void {
  const r = mesh.cli(['analyze']);
  const errors = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('Error [') && !LAB_BASELINE.test(l));
  assert.deepEqual(errors, [], `analyze reported errors:\n${r.stdout}${r.stderr}`);
}

test('1. the product page renders and, with no VirtualService for reviews, stars vary', async () => {
  const bodies = await productPages(30);
  assert.ok(bodies[0]?.includes('Simple Bookstore App'));
  const share = starShare(bodies);
  assert.ok(
    share > 0 && share < 1,
    `star share ${share} should be between 0 and 1 (v1 has none, v2/v3 have)`,
  );
  analyzeClean();
});

test('2. all reviews to v1: no stars in 10 requests', async () => {
  const r = mesh.cli(['apply', '-f', fixture('mesh', 'reviews-v1.yaml')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /virtualservice\.networking\.istio\.io\/reviews (created|configured)/);
  const bodies = await productPages(10);
  assert.equal(bodies.filter(hasStars).length, 0);
  analyzeClean();
});

test('3. an 80/20 split of v1/v2 shows stars on about 20% of 200 requests', async () => {
  const r = mesh.cli(['apply', '-f', fixture('mesh', 'reviews-80-20.yaml')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /virtualservice\.networking\.istio\.io\/reviews configured/);
  const share = starShare(await productPages(200));
  assertBinomial(Math.round(share * 200), 200, 0.2, 'pages with stars at 80/20');
  analyzeClean();
});

test('4. patch --type merge to 50/50, then to 100% v2: the share follows', async () => {
  const split = (v1: number, v2: number) =>
    JSON.stringify({
      spec: {
        http: [
          {
            route: [
              { destination: { host: 'reviews', subset: 'v1' }, weight: v1 },
              { destination: { host: 'reviews', subset: 'v2' }, weight: v2 },
            ],
          },
        ],
      },
    });
  let r = mesh.cli(['patch', 'virtualservice', 'reviews', '--type', 'merge', '-p', split(50, 50)]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /virtualservice\.networking\.istio\.io\/reviews patched/);
  const half = starShare(await productPages(200));
  assertBinomial(Math.round(half * 200), 200, 0.5, 'pages with stars at 50/50');
  r = mesh.cli(['patch', 'virtualservice', 'reviews', '--type', 'merge', '-p', split(0, 100)]);
  assert.equal(r.status, 0, r.stderr);
  const all = await productPages(20);
  assert.equal(all.filter(hasStars).length, 20);
  analyzeClean();
});

test('5. a 2s delay on ratings slows the page by about 2s; deleting it makes it fast again', async () => {
  const timed = async () => {
    const t0 = Date.now();
    const r = await get(`${mesh.gateway}/productpage`);
    assert.equal(r.status, 200);
    return { ms: Date.now() - t0, body: r.body };
  };
  const before = await timed();
  let r = mesh.cli(['apply', '-f', fixture('mesh', 'ratings-delay-2s.yaml')]);
  assert.equal(r.status, 0, r.stderr);
  const slow = await timed();
  assert.ok(slow.ms >= before.ms + 1500, `delayed page took ${slow.ms} ms, before ${before.ms} ms`);
  assert.ok(hasStars(slow.body), 'reviews v2 still serves ratings after the delay');
  analyzeClean();
  r = mesh.cli(['delete', '-f', fixture('mesh', 'ratings-delay-2s.yaml')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /virtualservice\.networking\.istio\.io "ratings" deleted/);
  const fast = await timed();
  assert.ok(fast.ms < 1500, `after delete the page took ${fast.ms} ms`);
});

test('6. logged in as jason, reviews-test-v2 shows black stars to jason only', async () => {
  const r = mesh.cli(['apply', '-f', fixture('mesh', 'reviews-jason-v2.yaml')]);
  assert.equal(r.status, 0, r.stderr);
  const login = await send(
    'POST',
    `${mesh.gateway}/login`,
    { 'content-type': 'application/x-www-form-urlencoded' },
    'username=jason&passwd=jason',
  );
  assert.ok([200, 302].includes(login.status), `login: ${login.status}`);
  const setCookie = login.headers['set-cookie'];
  const cookie = (Array.isArray(setCookie) ? setCookie : [setCookie ?? ''])
    .map((c) => c.split(';')[0])
    .join('; ');
  assert.ok(cookie.includes('session'), `login set no session cookie: ${String(setCookie)}`);
  const jason = await productPages(10, { cookie });
  assert.ok(
    jason.every((b) => hasStars(b) && b.includes('black')),
    'jason sees black stars',
  );
  const anonymous = await productPages(10);
  assert.equal(anonymous.filter(hasStars).length, 0, 'everyone else sees none');
  analyzeClean();
});
