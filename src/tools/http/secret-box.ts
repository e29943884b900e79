// Tool secrets at rest: AES-256-GCM under a key derived from PARLEY_SECRETS_KEY, with the tenant
// and the secret's name as associated data, so a sealed value copied to another row (another
// tenant, another name) no longer opens. node:crypto does it; no library needed.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';

export class SecretBox {
  private readonly key: Buffer;

  /** `secret`: the operator's PARLEY_SECRETS_KEY (at least 32 characters, checked by the settings). */
  constructor(secret: string) {
    this.key = createHash('sha256').update(`parley-tool-secrets\u0000${secret}`).digest();
  }

  seal(tenantId: string, name: string, value: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(`${tenantId}\u0000${name}`));
    const sealed = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), sealed]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join(':');
  }

  /** The value, or undefined when it was sealed under another key or for another row. */
  open(tenantId: string, name: string, sealed: string): string | undefined {
    const [version, iv, tag, data] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || data === undefined) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(`${tenantId}\u0000${name}`));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      return undefined;
    }
  }
}
