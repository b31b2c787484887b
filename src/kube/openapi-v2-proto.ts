// Encodes a Swagger 2.0 document as the protobuf kubectl asks /openapi/v2 for (gnostic's
// openapi.v2.Document; google/gnostic openapiv2/OpenAPIv2.proto). kubectl 1.27 and 1.28 read it for
// `explain` and accept nothing else (client-go discovery OpenAPISchema).

/** Protobuf writer for the few wire types the document needs (varint, length-delimited). */
class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];

  private varint(n: number): void {
    const bytes: number[] = [];
    let v = n;
    while (v > 0x7f) {
      bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
    this.chunks.push(Uint8Array.from(bytes));
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  string(field: number, value: string | undefined): void {
    if (value === undefined || value === '') return;
    this.bytes(field, Buffer.from(value, 'utf8'));
  }

  bool(field: number, value: boolean | undefined): void {
    if (!value) return;
    this.tag(field, 0);
    this.varint(1);
  }

  bytes(field: number, value: Uint8Array): void {
    this.tag(field, 2);
    this.varint(value.length);
    this.chunks.push(value);
  }

  message(field: number, build: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    build(inner);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

// Any { yaml = 2 }: JSON text is YAML, which is how gnostic carries extension and enum values.
const writeAny = (w: ProtoWriter, field: number, value: unknown) =>
  w.message(field, (a) => a.string(2, JSON.stringify(value)));

// NamedAny { name = 1; Any value = 2 }
function writeExtensions(w: ProtoWriter, field: number, o: Json): void {
  for (const [k, v] of Object.entries(o))
    if (k.startsWith('x-'))
      w.message(field, (n) => {
        n.string(1, k);
        writeAny(n, 2, v);
      });
}

/** openapi.v2.Schema (field numbers from OpenAPIv2.proto). */
function writeSchema(w: ProtoWriter, s: Json): void {
  w.string(1, typeof s.$ref === 'string' ? s.$ref : undefined);
  w.string(2, typeof s.format === 'string' ? s.format : undefined);
  w.string(3, typeof s.title === 'string' ? s.title : undefined);
  w.string(4, typeof s.description === 'string' ? s.description : undefined);
  if (s.default !== undefined) writeAny(w, 5, s.default);
  if (Array.isArray(s.required)) for (const r of s.required) w.string(19, String(r));
  if (Array.isArray(s.enum)) for (const e of s.enum) writeAny(w, 20, e);
  if (s.additionalProperties !== undefined)
    w.message(21, (a) => {
      if (isObject(s.additionalProperties)) {
        const ap = s.additionalProperties;
        a.message(1, (x) => writeSchema(x, ap));
      } else a.bool(2, s.additionalProperties === true);
    });
  if (s.type !== undefined)
    w.message(22, (t) => {
      for (const v of Array.isArray(s.type) ? s.type : [s.type]) t.string(1, String(v));
    });
  if (isObject(s.items)) {
    const items = s.items;
    w.message(23, (i) => i.message(1, (x) => writeSchema(x, items)));
  }
  if (Array.isArray(s.allOf))
    for (const a of s.allOf) if (isObject(a)) w.message(24, (x) => writeSchema(x, a));
  if (isObject(s.properties)) {
    const props = s.properties;
    w.message(25, (p) => {
      for (const [name, value] of Object.entries(props))
        if (isObject(value))
          p.message(1, (n) => {
            n.string(1, name);
            n.message(2, (x) => writeSchema(x, value));
          });
    });
  }
  writeExtensions(w, 31, s);
}

/** The protobuf form of a Swagger 2.0 document's swagger, info and definitions (paths are not encoded). */
export function encodeOpenApiV2(doc: Json): Uint8Array {
  const w = new ProtoWriter();
  w.string(1, typeof doc.swagger === 'string' ? doc.swagger : '2.0');
  const info = isObject(doc.info) ? doc.info : {};
  w.message(2, (i) => {
    i.string(1, typeof info.title === 'string' ? info.title : undefined);
    i.string(2, typeof info.version === 'string' ? info.version : undefined);
  });
  // Paths {} must be present: gnostic readers expect the field.
  w.message(8, () => undefined);
  const definitions = isObject(doc.definitions) ? doc.definitions : {};
  w.message(9, (d) => {
    for (const [name, schema] of Object.entries(definitions))
      if (isObject(schema))
        d.message(1, (n) => {
          n.string(1, name);
          n.message(2, (x) => writeSchema(x, schema));
        });
  });
  return w.finish();
}
