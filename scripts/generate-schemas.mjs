// Generates src/config/schema/generated/<Kind>.json: the `spec` schema of each Istio networking CRD and of PeerAuthentication,
// read from the TypeScript declarations that @kubernetes-models/istio generates from Istio's CRD
// OpenAPI schema (istio/api kubernetes/customresourcedefinitions.gen.yaml). The output is committed;
// the build never runs this script. Usage: node scripts/generate-schemas.mjs
//
// Schema subset written (what src/config/schema/walk.ts understands):
//   { type: 'object', properties, required, additionalProperties, oneOfRequired }
//   { type: 'array', items } | { type: 'string'|'number'|'boolean'|[...] , enum? } | { $ref } | {}
// `oneOfRequired` encodes the CRD `oneOf: [{not: {anyOf: [required...]}}, {required: [a]}, ...]`
// pattern (proto oneof): at most one (or exactly one when allowNone is false) of the groups is set.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import ts from 'typescript';

const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve('@kubernetes-models/istio/package.json'));
const outDir = join(
  dirname(new URL(import.meta.url).pathname),
  '..',
  'src',
  'config',
  'schema',
  'generated',
);
const KINDS = [
  ['networking.istio.io', 'VirtualService'],
  ['networking.istio.io', 'DestinationRule'],
  ['networking.istio.io', 'Gateway'],
  ['networking.istio.io', 'ServiceEntry'],
  ['networking.istio.io', 'WorkloadEntry'],
  ['networking.istio.io', 'Sidecar'],
  ['security.istio.io', 'PeerAuthentication'],
];

function convert(node) {
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
      return {};
    case ts.SyntaxKind.ParenthesizedType:
      return convert(node.type);
    case ts.SyntaxKind.LiteralType:
      if (ts.isStringLiteral(node.literal)) return { type: 'string', enum: [node.literal.text] };
      return {};
    case ts.SyntaxKind.ArrayType:
      return { type: 'array', items: convert(node.elementType) };
    case ts.SyntaxKind.TypeReference: {
      const name = node.typeName.getText();
      if (name === 'Array' && node.typeArguments?.length === 1)
        return { type: 'array', items: convert(node.typeArguments[0]) };
      return {};
    }
    case ts.SyntaxKind.UnionType: {
      const members = node.types.map(convert);
      if (members.every((m) => m.enum))
        return { type: 'string', enum: members.flatMap((m) => m.enum) };
      const types = members.map((m) => m.type);
      if (types.every((t) => typeof t === 'string' && t !== 'object' && t !== 'array'))
        return { type: [...new Set(types)] };
      return {};
    }
    case ts.SyntaxKind.TypeLiteral:
      return objectOf(node);
    case ts.SyntaxKind.IntersectionType: {
      const [first, ...rest] = node.types;
      const base = convert(first);
      for (const r of rest) {
        const inner = ts.isParenthesizedTypeNode(r) ? r.type : r;
        if (ts.isUnionTypeNode(inner)) {
          let allowNone = false;
          const groups = [];
          for (const m of inner.types) {
            if (ts.isTypeReferenceNode(m) && m.typeName.getText() === 'Exclude') allowNone = true;
            else if (ts.isTypeLiteralNode(m)) groups.push(requiredOf(m));
          }
          if (groups.length > 0) (base.oneOfRequired ??= []).push({ groups, allowNone });
        } else if (ts.isTypeLiteralNode(inner)) {
          const extra = objectOf(inner);
          Object.assign((base.properties ??= {}), extra.properties);
        }
      }
      return base;
    }
    default:
      return {};
  }
}

function requiredOf(lit) {
  return lit.members
    .filter((m) => ts.isPropertySignature(m) && !m.questionToken)
    .map((m) => propName(m));
}

function propName(m) {
  return ts.isStringLiteral(m.name) ? m.name.text : m.name.getText();
}

function objectOf(lit) {
  const schema = { type: 'object', properties: {} };
  const required = [];
  for (const m of lit.members) {
    if (ts.isPropertySignature(m) && m.type) {
      const name = propName(m);
      schema.properties[name] = convert(m.type);
      if (!m.questionToken) required.push(name);
    } else if (ts.isIndexSignatureDeclaration(m) && m.type) {
      schema.additionalProperties = convert(m.type);
    }
  }
  if (required.length) schema.required = required;
  if (schema.additionalProperties && Object.keys(schema.properties).length === 0)
    delete schema.properties;
  return schema;
}

/** Replaces repeated large subtrees with `$ref`s into `$defs` so the committed JSON stays small. */
function dedupe(root) {
  const counts = new Map();
  const key = (s) => createHash('sha1').update(JSON.stringify(s)).digest('hex').slice(0, 10);
  const visit = (s, count) => {
    if (!s || typeof s !== 'object') return;
    const json = JSON.stringify(s);
    if (count && json.length > 200) counts.set(key(s), (counts.get(key(s)) ?? 0) + 1);
    for (const v of Object.values(s.properties ?? {})) visit(v, count);
    if (s.items) visit(s.items, count);
    if (s.additionalProperties && typeof s.additionalProperties === 'object')
      visit(s.additionalProperties, count);
  };
  visit(root, true);
  const defs = {};
  const replace = (s) => {
    if (!s || typeof s !== 'object') return s;
    const k = key(s);
    const out = { ...s };
    if (out.properties)
      out.properties = Object.fromEntries(
        Object.entries(out.properties).map(([n, v]) => [n, replace(v)]),
      );
    if (out.items) out.items = replace(out.items);
    if (out.additionalProperties && typeof out.additionalProperties === 'object')
      out.additionalProperties = replace(out.additionalProperties);
    if ((counts.get(k) ?? 0) > 1 && JSON.stringify(s).length > 200) {
      defs[k] ??= out;
      return { $ref: k };
    }
    return out;
  };
  const top = replace(root);
  return { ...top, $defs: defs };
}

mkdirSync(outDir, { recursive: true });
for (const [group, kind] of KINDS) {
  const file = join(pkgDir, group, 'v1', `${kind}.d.ts`);
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  let spec;
  sf.forEachChild((n) => {
    if (ts.isInterfaceDeclaration(n) && n.name.text === `I${kind}`) {
      for (const m of n.members)
        if (ts.isPropertySignature(m) && propName(m) === 'spec' && m.type) spec = convert(m.type);
    }
  });
  if (!spec) throw new Error(`no spec in ${file}`);
  const schema = dedupe(spec);
  writeFileSync(join(outDir, `${kind}.json`), JSON.stringify(schema) + '\n');
  console.log(`${kind}: ${JSON.stringify(schema).length} bytes`);
}
