// productpage keeps the signed-in user in a signed session cookie, as Flask's `session` does
// (cookie name `session`); here an HMAC-signed JSON value rather than Flask's itsdangerous format.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'session';

export interface Session {
  user?: string;
}

/** Parses a Cookie header into name/value pairs (first occurrence wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const name = part.slice(0, i).trim();
    if (name !== '' && !out.has(name)) out.set(name, part.slice(i + 1).trim());
  }
  return out;
}

export class SessionCodec {
  constructor(private readonly secret: string) {}

  encode(session: Session): string {
    const payload = Buffer.from(JSON.stringify(session), 'utf8').toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  decode(value: string | undefined): Session {
    if (!value) return {};
    const dot = value.lastIndexOf('.');
    if (dot < 0) return {};
    const payload = value.slice(0, dot);
    const given = Buffer.from(value.slice(dot + 1));
    const expected = Buffer.from(this.sign(payload));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return {};
    try {
      const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        const user = (parsed as Record<string, unknown>).user;
        return typeof user === 'string' ? { user } : {};
      }
    } catch {
      /* a tampered or foreign cookie is an empty session, as Flask treats it */
    }
    return {};
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}
