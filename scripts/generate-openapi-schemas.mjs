// Generates src/kube/generated/openapi-schemas.json: OpenAPI v3 component schemas, with field
// descriptions, for the Istio and built-in kinds Switchyard serves. Read from the TypeScript
// declarations (and their JSDoc) that @kubernetes-models/istio, @kubernetes-models/apimachinery and
// kubernetes-models generate from Istio's CRDs (istio/api kubernetes/customresourcedefinitions.gen.yaml,
// Apache-2.0) and Kubernetes' OpenAPI (kubernetes/kubernetes api/openapi-spec, Apache-2.0).
// The output is committed; the build never runs this script. Usage:
//   node scripts/generate-openapi-schemas.mjs
// Unlike scripts/generate-schemas.mjs (a validation subset without prose), this keeps every
// description and names repeated subtrees as components so `kubectl explain` can walk them.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const require = createRequire(import.meta.url);
const istioDir = dirname(require.resolve('@kubernetes-models/istio/package.json'));
const machineryDir = dirname(require.resolve('@kubernetes-models/apimachinery/package.json'));
const modelsDir = dirname(require.resolve('kubernetes-models/package.json'));
const outFile = join(
  dirname(new URL(import.meta.url).pathname),
  '..',
  'src',
  'kube',
  'generated',
  'openapi-schemas.json',
);

/** [group dir, version, kind, component name of its spec] */
const ISTIO = [
  ['networking.istio.io', 'v1', 'VirtualService', 'io.istio.networking.v1.VirtualServiceSpec'],
  ['networking.istio.io', 'v1', 'DestinationRule', 'io.istio.networking.v1.DestinationRuleSpec'],
  ['networking.istio.io', 'v1', 'Gateway', 'io.istio.networking.v1.GatewaySpec'],
  ['networking.istio.io', 'v1', 'ServiceEntry', 'io.istio.networking.v1.ServiceEntrySpec'],
  ['networking.istio.io', 'v1', 'WorkloadEntry', 'io.istio.networking.v1.WorkloadEntrySpec'],
  ['networking.istio.io', 'v1', 'Sidecar', 'io.istio.networking.v1.SidecarSpec'],
  ['security.istio.io', 'v1', 'PeerAuthentication', 'io.istio.security.v1.PeerAuthenticationSpec'],
];

const schemas = {};
const sources = new Map();

function sourceOf(file) {
  let sf = sources.get(file);
  if (!sf) {
    sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    sources.set(file, sf);
  }
  return sf;
}

function docOf(node) {
  const parts = [];
  for (const d of ts.getJSDocCommentsAndTags(node)) {
    if (ts.isJSDoc(d) && d.comment) parts.push(ts.getTextOfJSDocComment(d.comment) ?? '');
  }
  const text = parts.join('\n').trim();
  return text || undefined;
}

const propName = (m) => (ts.isStringLiteral(m.name) ? m.name.text : m.name.getText());

// Go package prefixes of the generated interface names (`IIoK8sApiCoreV1Container` ->
// `io.k8s.api.core.v1.Container`), as Kubernetes names its OpenAPI definitions.
const PACKAGES = [
  ['IIoK8sApimachineryPkgApisMetaV1', 'io.k8s.apimachinery.pkg.apis.meta.v1'],
  ['IIoK8sApimachineryPkgApiResource', 'io.k8s.apimachinery.pkg.api.resource'],
  ['IIoK8sApimachineryPkgUtilIntstr', 'io.k8s.apimachinery.pkg.util.intstr'],
  ['IIoK8sApimachineryPkgRuntime', 'io.k8s.apimachinery.pkg.runtime'],
  [
    'IIoK8sApiextensionsApiserverPkgApisApiextensionsV1',
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1',
  ],
];

/** The definition name of a generated interface, e.g. `io.k8s.api.apps.v1.DeploymentSpec`. */
function machineryName(iface) {
  if (iface === 'IObjectMeta') return 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
  for (const [prefix, pkg] of PACKAGES)
    if (iface.startsWith(prefix)) return `${pkg}.${iface.slice(prefix.length)}`;
  const api = /^IIoK8sApi([A-Z][a-z]+)(V\d+(?:(?:alpha|beta)\d+)?)(\w+)$/.exec(iface);
  if (api) return `io.k8s.api.${api[1].toLowerCase()}.${api[2].toLowerCase()}.${api[3]}`;
  return undefined;
}

/** Resolves an imported interface or type alias by name to a component `$ref`. */
function refTo(name, sf) {
  const component = machineryName(name);
  if (!component) return {};
  if (!(component in schemas)) {
    schemas[component] = {}; // placeholder against cycles
    const file = importedFile(name, sf);
    const target = file ? sourceOf(file) : sf;
    // Files declare `IManagedFieldsEntry` and re-export it as `IIoK8s...V1ManagedFieldsEntry`.
    const local = `I${component.slice(component.lastIndexOf('.') + 1)}`;
    let out = {};
    target.forEachChild((n) => {
      const declared = ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n);
      if (declared && (n.name.text === name || n.name.text === local)) {
        out = ts.isInterfaceDeclaration(n) ? objectOf(n.members, target) : convert(n.type, target);
        const d = docOf(n);
        if (d) out = { description: d, ...out };
      }
    });
    // metav1.Time is a string in RFC 3339 form (k8s.io/apimachinery pkg/apis/meta/v1 time.go).
    if (component.endsWith('.v1.Time') || component.endsWith('.v1.MicroTime'))
      out = { ...out, type: 'string', format: 'date-time' };
    if (component.endsWith('.v1.FieldsV1')) out = { ...out, type: 'object' };
    schemas[component] = out;
  }
  return { $ref: `#/components/schemas/${component}` };
}

function importedFile(name, sf) {
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !st.importClause?.namedBindings) continue;
    const b = st.importClause.namedBindings;
    if (!ts.isNamedImports(b) || !b.elements.some((e) => e.name.text === name)) continue;
    const spec = st.moduleSpecifier.text;
    const base = spec.startsWith('.')
      ? resolve(dirname(sf.fileName), spec)
      : join(
          dirname(require.resolve(`${spec.split('/').slice(0, 2).join('/')}/package.json`)),
          spec.split('/').slice(2).join('/'),
        );
    return base.replace(/\.js$/, '') + '.d.ts';
  }
  return undefined;
}

function convert(node, sf) {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return { type: 'string' };
    case ts.SyntaxKind.NumberKeyword:
      return { type: 'number' };
    case ts.SyntaxKind.BooleanKeyword:
      return { type: 'boolean' };
    case ts.SyntaxKind.AnyKeyword:
    case ts.SyntaxKind.UnknownKeyword:
    case ts.SyntaxKind.ObjectKeyword:
      return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    case ts.SyntaxKind.ParenthesizedType:
      return convert(node.type, sf);
    case ts.SyntaxKind.LiteralType:
      if (ts.isStringLiteral(node.literal)) return { type: 'string', enum: [node.literal.text] };
      return {};
    case ts.SyntaxKind.ArrayType:
      return { type: 'array', items: convert(node.elementType, sf) };
    case ts.SyntaxKind.TypeReference: {
      const name = node.typeName.getText();
      if (name === 'Array' && node.typeArguments?.length === 1)
        return { type: 'array', items: convert(node.typeArguments[0], sf) };
      if (name === 'Exclude') return {};
      return refTo(name, sf);
    }
    case ts.SyntaxKind.UnionType: {
      const members = node.types.map((t) => convert(t, sf));
      if (members.every((m) => m.enum))
        return { type: 'string', enum: members.flatMap((m) => m.enum) };
      const types = new Set(members.map((m) => m.type));
      // Kubernetes spells number|string as int-or-string (apimachinery util/intstr).
      if (types.size === 2 && types.has('number') && types.has('string'))
        return { 'x-kubernetes-int-or-string': true };
      return members.find((m) => m.type) ?? {};
    }
    case ts.SyntaxKind.TypeLiteral:
      return objectOf(node.members, sf);
    case ts.SyntaxKind.IntersectionType: {
      // `base & (oneOf groups)`: the base lists every field with its description.
      const [first, ...rest] = node.types;
      const base = convert(first, sf);
      for (const r of rest) {
        const inner = ts.isParenthesizedTypeNode(r) ? r.type : r;
        if (ts.isTypeLiteralNode(inner)) {
          const extra = objectOf(inner.members, sf);
          base.properties = { ...extra.properties, ...base.properties };
        }
      }
      return base;
    }
    default:
      return {};
  }
}

function objectOf(members, sf) {
  const schema = { type: 'object', properties: {} };
  const required = [];
  for (const m of members) {
    if (ts.isPropertySignature(m) && m.type) {
      const name = propName(m);
      const s = convert(m.type, sf);
      const d = docOf(m);
      schema.properties[name] = d ? withDescription(s, d) : s;
      if (!m.questionToken) required.push(name);
    } else if (ts.isIndexSignatureDeclaration(m) && m.type) {
      schema.additionalProperties = convert(m.type, sf);
    }
  }
  if (required.length) schema.required = required;
  if (Object.keys(schema.properties).length === 0) delete schema.properties;
  return schema;
}

/** A description beside a `$ref` goes through allOf, as Kubernetes' OpenAPI v3 writes it. */
function withDescription(s, description) {
  return s.$ref ? { description, allOf: [s] } : { description, ...s };
}

/** Names repeated large subtrees as components `<spec component>.<first path>` (size). */
function dedupe(root, rootName) {
  const strip = ({ description: _d, ...rest }) => rest;
  const counts = new Map();
  const walk = (s, visit) => {
    if (!s || typeof s !== 'object') return;
    for (const v of Object.values(s.properties ?? {})) visit(v);
    if (s.items) visit(s.items);
    if (s.additionalProperties && typeof s.additionalProperties === 'object')
      visit(s.additionalProperties);
  };
  const count = (s) => {
    const k = JSON.stringify(strip(s));
    if (k.length > 600) counts.set(k, (counts.get(k) ?? 0) + 1);
    walk(s, count);
  };
  walk(root, count);
  const named = new Map();
  const replace = (s, path) => {
    if (!s || typeof s !== 'object') return s;
    const k = JSON.stringify(strip(s));
    const out = { ...s };
    if (out.properties)
      out.properties = Object.fromEntries(
        Object.entries(out.properties).map(([n, v]) => [n, replace(v, [...path, n])]),
      );
    if (out.items) out.items = replace(out.items, [...path, 'items']);
    if (out.additionalProperties && typeof out.additionalProperties === 'object')
      out.additionalProperties = replace(out.additionalProperties, path);
    if ((counts.get(k) ?? 0) > 1) {
      let name = named.get(k);
      if (!name) {
        name = `${rootName}.${path.join('.')}`;
        named.set(k, name);
        schemas[name] = strip(out);
      }
      return withDescription({ $ref: `#/components/schemas/${name}` }, s.description ?? '');
    }
    return out;
  };
  return replace(root, []);
}

// The declarations say `number` for both integers and floats; the packages' compiled validators
// (ajv, from the same schemas) still know which: a probe value of 0.5 at an integer field fails
// with `type: integer`. Such fields become `type: integer`, as the CRD and Kubernetes say.
function numberLeaves(schema, path, out) {
  if (!schema || typeof schema !== 'object') return;
  if (schema.type === 'number') out.push({ schema, path });
  for (const [k, v] of Object.entries(schema.properties ?? {})) numberLeaves(v, [...path, k], out);
  if (schema.items) numberLeaves(schema.items, [...path, 0], out);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
    numberLeaves(schema.additionalProperties, [...path, 'key'], out);
}

function place(path, value) {
  return path.reduceRight(
    (inner, seg) => (typeof seg === 'number' ? [inner] : { [seg]: inner }),
    value,
  );
}

async function markIntegers(schema, validatorFile, wrap, prefix) {
  if (!existsSync(validatorFile)) return;
  const { validate } = await import(pathToFileURL(validatorFile).href);
  const leaves = [];
  numberLeaves(schema, [], leaves);
  for (const { schema: leaf, path } of leaves) {
    validate(wrap(place(path, 0.5)));
    const at = `${prefix}/${path.join('/')}`;
    const integer = (validate.errors ?? []).some(
      (e) => e.instancePath === at && e.keyword === 'type' && e.params?.type === 'integer',
    );
    if (integer) leaf.type = 'integer';
  }
}

/** `io.k8s.api.apps.v1.DeploymentSpec` -> the package's `_schemas/IoK8sApiAppsV1DeploymentSpec.js`. */
function validatorOf(component) {
  const file = component
    .split(/[.-]/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
  const dir = component.startsWith('io.k8s.apimachinery.') ? machineryDir : modelsDir;
  return join(dir, '_schemas', `${file}.js`);
}

for (const [group, version, kind, component] of ISTIO) {
  const file = join(istioDir, group, version, `${kind}.d.ts`);
  const sf = sourceOf(file);
  let spec;
  sf.forEachChild((n) => {
    if (ts.isInterfaceDeclaration(n) && n.name.text === `I${kind}`)
      for (const m of n.members)
        if (ts.isPropertySignature(m) && propName(m) === 'spec' && m.type) {
          spec = withDescription(convert(m.type, sf), docOf(m) ?? '');
        }
  });
  if (!spec) throw new Error(`no spec in ${file}`);
  const validatorName = `${group
    .split('.')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('')}${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
  await markIntegers(
    spec,
    join(istioDir, '_schemas', `${validatorName}.js`),
    (value) => ({
      apiVersion: `${group}/${version}`,
      kind,
      metadata: { name: 'probe' },
      spec: value,
    }),
    '/spec',
  );
  schemas[component] = dedupe(spec, component);
}
const metaV1 = join(machineryDir, 'apis', 'meta', 'v1');
refTo('IObjectMeta', sourceOf(join(metaV1, 'ObjectMeta.d.ts')));
refTo('IIoK8sApimachineryPkgApisMetaV1ListMeta', sourceOf(join(metaV1, 'ListMeta.d.ts')));
// Built-in kinds, from kubernetes-models (generated from Kubernetes' OpenAPI; descriptions Apache-2.0).
const BUILTIN = [
  [
    'v1',
    'IIoK8sApiCoreV1',
    ['Namespace', 'Service', 'Endpoints', 'Pod', 'ConfigMap', 'Secret', 'ServiceAccount', 'Event'],
  ],
  ['apps/v1', 'IIoK8sApiAppsV1', ['Deployment', 'ReplicaSet']],
  ['discovery.k8s.io/v1', 'IIoK8sApiDiscoveryV1', ['EndpointSlice']],
  [
    'apiextensions.k8s.io/v1',
    'IIoK8sApiextensionsApiserverPkgApisApiextensionsV1',
    ['CustomResourceDefinition'],
  ],
];
for (const [dir, prefix, kinds] of BUILTIN)
  for (const kind of kinds)
    refTo(`${prefix}${kind}`, sourceOf(join(modelsDir, dir, `${kind}.d.ts`)));

for (const [name, schema] of Object.entries(schemas))
  if (!name.startsWith('io.istio.')) await markIntegers(schema, validatorOf(name), (v) => v, '');

const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => (a < b ? -1 : 1)));
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(
  outFile,
  JSON.stringify({
    source:
      'Generated by scripts/generate-openapi-schemas.mjs from @kubernetes-models/istio, @kubernetes-models/apimachinery and kubernetes-models (MIT); descriptions are Istio and Kubernetes API documentation (Apache-2.0).',
    schemas: sorted,
  }) + '\n',
);
console.log(`${Object.keys(sorted).length} schemas, ${JSON.stringify(sorted).length} bytes`);
